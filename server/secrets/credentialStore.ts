// Where Bitbucket credentials live: never in the registry file (R9). The server asks for one only
// when it is about to call Bitbucket, and credentialOf is the one place that reads one back.
import type { BitbucketCredential } from '../bitbucket/gateway';
import { unavailable } from '../errors';
import { registerCredential } from '../log';
import type { StoredIntegration } from '../registry/state';

export interface CredentialStore {
  get(integrationId: string): Promise<string | null>;
  set(integrationId: string, secret: string | null): Promise<void>;
}

/** The key a credential is kept under, in a file or in VS Code's SecretStorage. */
export const credentialKey = (integrationId: string) => `stackhook.integration.${integrationId}.credential`;

/** An integration's credential, registered for masking before anything can print it. */
export async function credentialOf(credentials: CredentialStore, integration: StoredIntegration): Promise<BitbucketCredential> {
  const secret = await credentials.get(integration.id);
  if (secret === null) {
    throw unavailable(`No Bitbucket credential is stored for the integration "${integration.name}". Edit the integration and enter its API token again.`);
  }
  registerCredential(secret, integration.username);
  return { username: integration.username, secret, credentialType: integration.credentialType };
}
