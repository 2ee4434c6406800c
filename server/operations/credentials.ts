// Checking a Bitbucket credential before it is saved or used on a person's behalf.
import type { BitbucketCredential } from '../bitbucket/gateway';
import type { RequestScope, ServerContext } from '../context';
import { bitbucketError, remediesOf } from '../errors';
import { registerCredential } from '../log';
import type { CredentialTest } from '../protocol';
import { usernameProblem } from '../registry/usernames';

/** Tests a credential and turns a failed test into a `Bitbucket` error whose message says what to do. */
export async function requireWorkingCredential(context: ServerContext, credential: BitbucketCredential, scope: RequestScope): Promise<CredentialTest> {
  registerCredential(credential.secret, credential.username);
  const test = await context.bitbucket.testCredential(credential, { signal: scope.signal });
  if (!test.ok) {
    const problem = test.problem ?? { code: 'unauthorized' as const, message: 'Bitbucket did not accept the credential.' };
    // A credential Bitbucket refused is fixed at the token, unless the username cannot sign in with one (not an email).
    const refused = remediesOf(problem.code).needsNewCredential;
    const field = !refused ? undefined : problem.code === 'unauthorized' && usernameProblem(credential.username) !== undefined ? 'username' : 'secret';
    throw bitbucketError(`${problem.message} Nothing was saved. To check by hand: ${test.curl}`, problem.code, test.curl).about(field);
  }
  if (test.missingScopes && test.missingScopes.length > 0) {
    // Saved anyway (reading works), but webhook work will fail: say so where an admin will look.
    context.log.warn(`The API token of ${credential.username} lacks ${test.missingScopes.join(', ')}; requests that need them will fail until a token with them is saved.`);
  }
  return test;
}
