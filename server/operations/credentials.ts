// Loading and checking an integration's Bitbucket credential: the one place that reads it back.
import type { BitbucketCredential } from '../bitbucket/gateway';
import type { RequestScope, ServerContext } from '../context';
import { bitbucketError, unavailable } from '../errors';
import { registerCredential } from '../log';
import type { CredentialTest } from '../protocol';
import type { StoredIntegration } from '../registry/state';

export async function credentialOf(context: ServerContext, integration: StoredIntegration): Promise<BitbucketCredential> {
  const secret = await context.credentials.get(integration.id);
  if (secret === null) {
    throw unavailable(`No Bitbucket credential is stored for the integration "${integration.name}". Edit the integration and enter its API token again.`);
  }
  registerCredential(secret, integration.username);
  return { username: integration.username, secret, credentialType: integration.credentialType };
}

/** Tests a credential and turns a failed test into a `Bitbucket` error whose message says what to do. */
export async function requireWorkingCredential(context: ServerContext, credential: BitbucketCredential, scope: RequestScope): Promise<CredentialTest> {
  registerCredential(credential.secret, credential.username);
  const test = await context.bitbucket.testCredential(credential, { signal: scope.signal });
  if (!test.ok) {
    const problem = test.problem ?? { code: 'unauthorized' as const, message: 'Bitbucket did not accept the credential.' };
    throw bitbucketError(`${problem.message} Nothing was saved. To check by hand: ${test.curl}`, problem.code, test.curl);
  }
  if (test.missingScopes && test.missingScopes.length > 0) {
    // Saved anyway (reading works), but webhook work will fail: say so where an admin will look.
    context.log.warn(`The API token of ${credential.username} lacks ${test.missingScopes.join(', ')}; requests that need them will fail until a token with them is saved.`);
  }
  return test;
}
