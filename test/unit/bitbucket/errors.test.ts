// Bitbucket's refusals, mapped to problem codes and messages a person can act on.
import { strict as assert } from 'node:assert';
import { Endpoints } from '../../../server/bitbucket/endpoints';
import { failureFromResponse, failureFromTransport, invalidResponse, looksLikeEmail, scopeList, type Attempt } from '../../../server/bitbucket/errors';
import type { BitbucketCredential } from '../../../server/bitbucket/gateway';
import { HookPage } from '../../../server/bitbucket/schemas';

const token: BitbucketCredential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-secret-value', credentialType: 'api_token' };
const attempt = (credential: BitbucketCredential = token, endpoint = Endpoints.createRepositoryHook): Attempt => ({
  credential,
  endpoint,
  what: 'add a webhook to the repository acme/network',
});
const noHeaders = () => undefined;
const headers = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()];

describe('Bitbucket error mapping', () => {
  it('401 with an email: the token is wrong, revoked or expired, and says where to make a new one', () => {
    const failure = failureFromResponse(401, noHeaders, null, attempt());
    assert.equal(failure.problem, 'unauthorized');
    assert.equal(failure.kind, 'Bitbucket');
    assert.match(failure.message, /username is an email, as it should be/);
    assert.match(failure.message, /revoked or expired/);
    assert.match(failure.message, /id\.atlassian\.com/);
  });

  it('401 with a username that is not an email: says API tokens authenticate with the account email', () => {
    const failure = failureFromResponse(401, noHeaders, null, attempt({ ...token, username: 'ana' }));
    assert.equal(failure.problem, 'unauthorized');
    assert.match(failure.message, /"ana" is not an email address/);
    assert.match(failure.message, /Atlassian account email/);
  });

  it('401 for an app password: explains that Bitbucket removed app passwords in July 2026', () => {
    const failure = failureFromResponse(401, noHeaders, null, attempt({ ...token, credentialType: 'app_password' }));
    assert.equal(failure.problem, 'app-password-retired');
    assert.match(failure.message, /removed app passwords on 28 July 2026/);
    assert.match(failure.message, /API token/);
  });

  it('401 for a secret that looks like an app password (ATBB…) saved as a token: says so', () => {
    const failure = failureFromResponse(401, noHeaders, null, attempt({ ...token, secret: 'ATBBxyz1234567' }));
    assert.match(failure.message, /starts with "ATBB"/);
  });

  it('403 with scope headers: missing-scope names the scope from X-Accepted-OAuth-Scopes that X-OAuth-Scopes lacks', () => {
    const failure = failureFromResponse(
      403,
      headers({ 'x-accepted-oauth-scopes': 'write:webhook:bitbucket', 'x-oauth-scopes': 'read:user:bitbucket, read:webhook:bitbucket' }),
      { type: 'error', error: { message: 'Your credentials lack one or more required privilege scopes.' } },
      attempt(),
    );
    assert.equal(failure.problem, 'missing-scope');
    assert.match(failure.message, /lacks the scope write:webhook:bitbucket/);
    assert.match(failure.message, /It has: read:user:bitbucket, read:webhook:bitbucket/);
    assert.match(failure.message, /create a new token that includes write:webhook:bitbucket/);
  });

  it('403 without scope headers: a permission refusal that says admin is needed, not a scope problem', () => {
    const failure = failureFromResponse(403, headers({ 'x-oauth-scopes': 'write:webhook:bitbucket' }), { type: 'error', error: { message: 'You must be an administrator.' } }, attempt());
    assert.equal(failure.problem, 'forbidden');
    assert.match(failure.message, /does not allow ana@example.com/);
    assert.match(failure.message, /admin permission/);
  });

  it('another 4xx is a refusal of what was sent (rejected), with Bitbucket\'s words', () => {
    const failure = failureFromResponse(400, noHeaders, { type: 'error', error: { message: 'Invalid URL: not publicly routable' } }, attempt());
    assert.equal(failure.problem, 'rejected');
    assert.match(failure.message, /refused the request \(400\).*not publicly routable/);
  });

  it('404, 410, 429 and 5xx map to not-found, gone, rate-limited and server-error', () => {
    assert.equal(failureFromResponse(404, noHeaders, null, attempt()).problem, 'not-found');
    const gone = failureFromResponse(410, noHeaders, null, attempt(token, Endpoints.userWorkspaces));
    assert.equal(gone.problem, 'gone');
    assert.match(gone.message, /GET \/user\/workspaces/);
    const limited = failureFromResponse(429, noHeaders, null, attempt(), ' after 5 attempts');
    assert.equal(limited.problem, 'rate-limited');
    assert.match(limited.message, /after 5 attempts/);
    assert.match(limited.message, /1,000 requests per hour/);
    assert.equal(failureFromResponse(502, noHeaders, null, attempt()).problem, 'server-error');
  });

  it('never quotes a body that is not a Bitbucket error object (an HTML page stays out of the message)', () => {
    const failure = failureFromResponse(404, noHeaders, '<html><body>Page not found</body></html>', attempt());
    assert.doesNotMatch(failure.message, /html|Page not found/i);
  });

  it('transport failures: timeout and network name what was attempted and what to check', () => {
    const timeout = failureFromTransport('ETIMEDOUT', 'https://api.bitbucket.org/2.0', 30_000, attempt());
    assert.equal(timeout.problem, 'timeout');
    assert.match(timeout.message, /within 30 s/);
    const network = failureFromTransport('ECONNREFUSED', 'https://api.bitbucket.org/2.0', 30_000, attempt());
    assert.equal(network.problem, 'network');
    assert.match(network.message, /api\.bitbucket\.org \(ECONNREFUSED\)/);
  });

  it('invalid-response names the field that did not match', () => {
    const parsed = HookPage.safeParse({ values: [{ uuid: '{8c6e2b5a-0000-4000-8000-000000000001}', url: 'https://x', active: 'yes', events: [] }] });
    assert.equal(parsed.success, false);
    if (parsed.success) return;
    const failure = invalidResponse(attempt(), parsed.error);
    assert.equal(failure.problem, 'invalid-response');
    assert.match(failure.message, /values\.0\.active/);
  });

  it('no message carries the secret', () => {
    for (const status of [400, 401, 403, 404, 410, 429, 500]) {
      assert.doesNotMatch(failureFromResponse(status, noHeaders, null, attempt()).message, /ATATT3xFfGF0-secret-value/);
    }
  });

  it('reads scope headers separated by commas or spaces, and recognises emails', () => {
    assert.deepEqual(scopeList('a:b, c:d e:f'), ['a:b', 'c:d', 'e:f']);
    assert.deepEqual(scopeList(undefined), []);
    assert.equal(looksLikeEmail('ana@example.com'), true);
    assert.equal(looksLikeEmail('ana'), false);
  });
});
