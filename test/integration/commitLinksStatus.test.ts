// The Pull Request Commit Links app, checked on the head of a repository's main branch, with the
// page of that commit (where the app is installed), through the built server and the fake Bitbucket.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { startServer, type ServerHandle } from '../support/serverProcess';

const TOKEN = 'ATATT3xFfGF0-commit-links-token';
const HEAD = '0123456789abcdef0123456789abcdef01234567';

describe('Bitbucket over stdio: the Pull Request Commit Links check', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/linked');
    bitbucket.world.addBranch('acme/linked', 'main', HEAD);
    bitbucket.world.repository('acme/linked')?.pullRequestsByCommit.set(HEAD, [4]);
    bitbucket.world.addRepository('acme/indexing', { commitLinks: 'indexing' });
    bitbucket.world.addRepository('acme/unlinked', { commitLinks: 'not-installed' });
    bitbucket.world.addBranch('acme/unlinked', 'main', HEAD);
    server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'] });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });

  const check = (repository: string) => server.request(Protocol.RepositoriesCommitLinksStatus, { integrationId: 'acme-main', repository });

  it('installed: checked on the main branch head', async () => {
    const result = await check('acme/linked');
    assert.equal(result.state, 'ok');
    assert.equal(result.commit, HEAD);
    assert.deepEqual(result.pullRequestIds, [4]);
  });

  it('indexing', async () => {
    assert.equal((await check('acme/indexing')).state, 'indexing');
  });

  it('not installed: says how to install it, with the page of a commit of that repository on the configured Bitbucket', async () => {
    const result = await check('acme/unlinked');
    assert.equal(result.state, 'not-installed');
    assert.match(result.message, /open any commit of the repository in Bitbucket/);
    assert.equal(result.commitUrl, `${new URL(bitbucket.url).origin}/acme/unlinked/commits/${HEAD}`);
  });
});
