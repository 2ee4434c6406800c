// Credentials, repositories and stacks through the built server over stdio, against the fake
// Bitbucket Cloud on loopback (docs/design.md §6: API tokens with the account email, no app passwords).
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';

const TOKEN = 'ATATT3xFfGF0-ana-full-token';
const READ_ONLY_TOKEN = 'ATATT3xFfGF0-ana-no-repository-scope';
const APP_PASSWORD = 'ATBBana-retired-app-password';
const REVOKED_TOKEN = 'ATATT3xFfGF0-revoked-token';

describe('Bitbucket over stdio: credentials, repositories and stacks', function () {
  this.timeout(60_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({
      email: 'ana@example.com',
      nickname: 'ana',
      displayName: 'Ana Platform',
      token: TOKEN,
      credentials: [
        { secret: READ_ONLY_TOKEN, scopes: ['read:user:bitbucket', 'read:workspace:bitbucket'] },
        { secret: APP_PASSWORD, kind: 'app_password' },
      ],
      workspaces: { acme: 'admin', tools: 'member' },
    });
    bitbucket.world.addRepositories('acme', 250, 'infra');
    bitbucket.world.addRepository('tools/modules', { mainBranch: 'trunk' });
    bitbucket.world.addRepository('tools/unlinked', { commitLinks: 'not-installed' });
    server = await startServer({
      args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'],
      env: { STACKHOOK_BITBUCKET_TIMEOUT_MS: '2000', STACKHOOK_BITBUCKET_BACKOFF_MS: '20' },
    });
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });
  beforeEach(() => bitbucket.resetCounts());

  it('integrations/test: a working API token says who it is, its workspaces and scopes, with a masked curl line', async () => {
    const result = await server.request(Protocol.IntegrationsTest, { username: 'ana@example.com', secret: TOKEN });
    assert.equal(result.ok, true);
    assert.equal(result.user?.displayName, 'Ana Platform');
    assert.deepEqual(result.workspaces?.map((w) => [w.slug, w.administrator]), [['acme', true], ['tools', false]]);
    assert.deepEqual(result.missingScopes, []);
    assert.match(result.curl, /^curl .*-u 'ana@example\.com:ATAT••••••'.*\/2\.0\/user'$/);
    assert.doesNotMatch(result.curl, new RegExp(TOKEN));
    assert.equal(bitbucket.count('GET', '/user'), 1);
    assert.equal(bitbucket.count('GET', '/user/workspaces'), 1);
  });

  it('integrations/test: the Bitbucket username instead of the email is unauthorized, and says to use the email', async () => {
    const result = await server.request(Protocol.IntegrationsTest, { username: 'ana', secret: TOKEN });
    assert.equal(result.ok, false);
    assert.equal(result.problem?.code, 'unauthorized');
    assert.match(result.problem?.message ?? '', /"ana" is not an email address/);
    assert.doesNotMatch(result.curl, new RegExp(TOKEN));
  });

  it('integrations/test: a 401 for an app password explains that app passwords stopped working in July 2026', async () => {
    const result = await server.request(Protocol.IntegrationsTest, { username: 'ana@example.com', secret: APP_PASSWORD, credentialType: 'app_password' });
    assert.equal(result.ok, false);
    assert.equal(result.problem?.code, 'app-password-retired');
    assert.match(result.problem?.message ?? '', /removed app passwords on 28 July 2026/);
    assert.match(result.problem?.message ?? '', /API token/);
  });

  it('integrations/test: an unknown token is unauthorized; a token with some of the scopes passes and lists those it lacks', async () => {
    const result = await server.request(Protocol.IntegrationsTest, { username: 'ana@example.com', secret: 'ATATT3xFfGF0-unknown-token' });
    assert.equal(result.problem?.code, 'unauthorized');
    const partial = await server.request(Protocol.IntegrationsTest, { username: 'ana@example.com', secret: READ_ONLY_TOKEN });
    assert.equal(partial.ok, true, 'it can read the user and the workspaces');
    assert.ok(partial.missingScopes?.includes('write:webhook:bitbucket'));
    assert.ok(partial.missingScopes?.includes('read:repository:bitbucket'));
  });

  it('integrations/create verifies by default: a refused token saves nothing, and the error carries the masked curl line', async () => {
    const refused = await rejection(
      server.request(Protocol.IntegrationsCreate, { name: 'Broken', type: 'default', username: 'ana@example.com', secret: REVOKED_TOKEN }),
    );
    assert.equal(refused.kind, 'Bitbucket');
    assert.equal(refused.data.problem, 'unauthorized');
    assert.match(refused.message, /Nothing was saved/);
    assert.match(refused.message, /curl .*ATAT••••••/);
    assert.doesNotMatch(refused.message, /revoked-token/);
    assert.equal((await server.request(Protocol.IntegrationsList)).length, 0);
  });

  it('integrations/create with a working token saves it; integrations/test by id uses the stored credential', async () => {
    const created = await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    assert.equal(created.id, 'acme-main');
    const tested = await server.request(Protocol.IntegrationsTest, { id: 'acme-main' });
    assert.equal(tested.ok, true);
    const limited = await server.request(Protocol.IntegrationsCreate, {
      name: 'Acme Read Only', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: READ_ONLY_TOKEN,
    });
    assert.equal(limited.id, 'acme-read-only');
  });

  it('repositories/list of a 250-repository workspace follows next across 3 pages of 100', async () => {
    const repositories = await server.request(Protocol.RepositoriesList, { integrationId: 'acme-main', workspace: 'acme' });
    assert.equal(repositories.length, 250);
    assert.equal(new Set(repositories.map((r) => r.fullName)).size, 250);
    assert.deepEqual(repositories[0], { fullName: 'acme/infra-001', workspace: 'acme', slug: 'infra-001', isPrivate: true, mainBranch: 'main' });
    assert.equal(bitbucket.count('GET', '/repositories/{workspace}'), 3);
  });

  it('repositories/list without a workspace goes workspace by workspace from /user/workspaces, never the removed endpoints', async () => {
    const repositories = await server.request(Protocol.RepositoriesList, { integrationId: 'acme-main' });
    assert.equal(repositories.length, 252);
    assert.ok(repositories.some((r) => r.fullName === 'tools/modules' && r.mainBranch === 'trunk'));
    assert.equal(bitbucket.count('GET', '/user/workspaces'), 1);
    assert.equal(bitbucket.count('GET', '/workspaces'), 0);
    assert.equal(bitbucket.count('GET', '/repositories'), 0);
  });

  it('repositories/list with a token lacking read:repository:bitbucket is a Bitbucket missing-scope error naming it', async () => {
    const refused = await rejection(server.request(Protocol.RepositoriesList, { integrationId: 'acme-read-only', workspace: 'acme' }));
    assert.equal(refused.kind, 'Bitbucket');
    assert.equal(refused.data.problem, 'missing-scope');
    assert.match(refused.message, /lacks the scope read:repository:bitbucket/);
  });

  it('R10: stacks/create checks the repository exists and the credential sees it; verify: false skips Bitbucket', async () => {
    const stack = await server.request(Protocol.StacksCreate, { name: 'network', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/infra-007', branch: 'main' });
    assert.equal(stack.repository, 'acme/infra-007');
    assert.equal(bitbucket.count('GET', '/repositories/{workspace}/{repo_slug}'), 1);

    const missing = await rejection(
      server.request(Protocol.StacksCreate, { name: 'ghost', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/ghost', branch: 'main' }),
    );
    assert.equal(missing.kind, 'Bitbucket');
    assert.equal(missing.data.problem, 'not-found');
    assert.match(missing.message, /acme\/ghost/);
    assert.equal((await server.request(Protocol.StacksList)).some((s) => s.name === 'ghost'), false, 'nothing saved');

    await server.request(Protocol.StacksCreate, { name: 'offline', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/not-checked', branch: 'main', verify: false });
    assert.equal(bitbucket.count('GET', '/repositories/{workspace}/{repo_slug}'), 2);
  });

  it('repositories/commitLinks: 200 when the Pull Request Commit Links app answers, 404 says how to install it', async () => {
    const linked = await server.request(Protocol.RepositoriesCommitLinks, { integrationId: 'acme-main', repository: 'acme/infra-001', commit: '0a1b2c3d' });
    assert.equal(linked.state, 'ok');
    const unlinked = await server.request(Protocol.RepositoriesCommitLinks, { integrationId: 'acme-main', repository: 'tools/unlinked', commit: '0a1b2c3d' });
    assert.equal(unlinked.state, 'not-installed');
    assert.match(unlinked.message, /Go to pull request/);
  });

  it('R9: no Bitbucket credential ever reaches the server log', async () => {
    // Each credential is used here, so that the log holds its requests to search even when this test runs alone.
    const credentials = [
      { secret: TOKEN, status: 200 },
      { secret: READ_ONLY_TOKEN, status: 200 },
      { secret: APP_PASSWORD, credentialType: 'app_password' as const, status: 401 },
      { secret: REVOKED_TOKEN, status: 401 },
    ];
    const from = server.stderr().length;
    for (const { secret, credentialType } of credentials) {
      await server.request(Protocol.IntegrationsTest, { username: 'ana@example.com', secret, ...(credentialType ? { credentialType } : {}) });
    }
    const logged = server.stderr().slice(from).split('\n').filter((line) => /^GET \/user → \d{3} /.test(line));
    assert.deepEqual(logged.map((line) => Number(/→ (\d{3})/.exec(line)?.[1])), credentials.map((credential) => credential.status), 'the log has a line for each request that carried a credential');
    for (const { secret } of credentials) assert.ok(!server.stderr().includes(secret), 'a credential is in the server log');
  });
});
