// Where Bitbucket credentials live: never in the registry file (R9). The server asks for one only
// when it is about to call Bitbucket.
export interface CredentialStore {
  get(integrationId: string): Promise<string | null>;
  set(integrationId: string, secret: string | null): Promise<void>;
}

/** The key a credential is kept under, in a file or in VS Code's SecretStorage. */
export const credentialKey = (integrationId: string) => `stackhook.integration.${integrationId}.credential`;
