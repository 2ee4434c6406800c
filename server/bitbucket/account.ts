// Checking a credential: who it is (GET /user), what it can reach (GET /user/workspaces), and
// which of the scopes Stackhook needs it lacks. A refusal is an answer here, not an exception.
import type { CredentialTest } from '../protocol';
import { curlFor } from './curl';
import { Endpoints, REQUIRED_SCOPES } from './endpoints';
import { BitbucketFailure, scopeList } from './errors';
import type { BitbucketHttp } from './transport';
import { BitbucketUser } from './schemas';
import { listWorkspaceAccess } from './repositories';

export async function testCredential(http: BitbucketHttp, signal?: AbortSignal): Promise<CredentialTest> {
  const curl = curlFor(http.apiUrl, http.credential, Endpoints.currentUser.template);
  let user: CredentialTest['user'];
  try {
    const answer = await http.json({ endpoint: Endpoints.currentUser, target: Endpoints.currentUser.template, schema: BitbucketUser, what: 'read who the credential belongs to' }, signal);
    user = { displayName: answer.data.display_name, accountId: answer.data.account_id ?? null, nickname: answer.data.nickname ?? null };
    const scopes = scopeList(answer.header('x-oauth-scopes'));
    const workspaces = (await listWorkspaceAccess(http, signal)).map((access) => ({
      slug: access.workspace.slug,
      name: access.workspace.name ?? access.workspace.slug,
      administrator: access.administrator,
    }));
    const result: CredentialTest = { ok: true, user, workspaces, curl };
    // Without the header nothing can be said about scopes; with it, say exactly what is missing.
    if (answer.header('x-oauth-scopes') !== undefined) {
      result.scopes = scopes;
      result.missingScopes = REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope));
    }
    return result;
  } catch (error) {
    if (!(error instanceof BitbucketFailure)) throw error;
    return { ok: false, ...(user ? { user } : {}), problem: { code: error.problem, message: error.message }, curl };
  }
}
