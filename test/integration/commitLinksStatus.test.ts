// The Pull Request Commit Links app, checked on the head of a repository's main branch, with the
// page of that commit (where the app is installed), through the built server and the fake Bitbucket.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startAdminAccount, type AdminAccount } from './adminAccount';

const TOKEN = 'ATATT3xFfGF0-commit-links-token';
const HEAD = '0123456789abcdef0123456789abcdef01234567';

describe('Bitbucket over stdio: the Pull Request Commit Links check', function () {
  this.timeout(120_000);
  let account: AdminAccount;

  before(async () => {
    account = await startAdminAccount(TOKEN, (world) => {
      world.addRepository('acme/linked');
      world.addBranch('acme/linked', 'main', HEAD);
      world.repository('acme/linked')?.pullRequestsByCommit.set(HEAD, [4]);
      world.addRepository('acme/indexing', { commitLinks: 'indexing' });
      world.addRepository('acme/unlinked', { commitLinks: 'not-installed' });
      world.addBranch('acme/unlinked', 'main', HEAD);
    });
    await account.server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
  });
  after(() => account?.stop());

  const check = (repository: string) => account.server.request(Protocol.RepositoriesCommitLinksStatus, { integrationId: 'acme-main', repository });

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
    assert.equal(result.commitUrl, `${new URL(account.bitbucket.url).origin}/acme/unlinked/commits/${HEAD}`);
  });
});
