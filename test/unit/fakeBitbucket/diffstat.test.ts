// The fake's diffstats are computed from its git repository, so they are true for commits tests
// push, and they page, cap and time out the way Bitbucket's do.
import { strict as assert } from 'node:assert';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { clientFor, type Client } from './client';

const TOKEN = 'ATATT3xFfGF0-diffstat';
const DIFFSTAT = '/repositories/{workspace}/{repo_slug}/diffstat/{spec}';

describe('fake Bitbucket: diffstat from the repository\'s git', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let ana: Client;
  let base: string;
  let feature: string;
  let mainAhead: string;
  const lines = (count: number, word = 'line') => Array.from({ length: count }, (_, i) => `${word} ${i + 1}\n`).join('');
  const byPath = (values: any[]) => Object.fromEntries(values.map((entry) => [entry.new?.path ?? entry.old?.path, entry]));

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    ana = clientFor(bitbucket, 'ana@example.com', TOKEN);
    base = bitbucket.pushCommit('acme/net', 'main', { 'a.txt': lines(3), 'b.txt': 'bye\n', 'old-name.tf': lines(10, 'resource'), 'z.txt': 'z\n' }, 'Start');
    feature = bitbucket.pushCommit('acme/net', 'feature/vpc', { 'a.txt': 'line 1\nline two\nline 3\n', 'b.txt': null, 'old-name.tf': null, 'new-name.tf': lines(10, 'resource'), 'envs/c.txt': lines(2) }, 'Feature');
    mainAhead = bitbucket.pushCommit('acme/net', 'main', { 'z.txt': 'zz\nzzz\n' }, 'Main moves on');
  });
  after(() => bitbucket?.stop());

  it('one commit is compared with its first parent: added, modified, removed and renamed, with their lines', async () => {
    const answer = await ana.get(`/repositories/acme/net/diffstat/${feature}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.pagelen, 500, "Bitbucket's default page of diffstats");
    const entries = byPath(answer.json.values);
    assert.deepEqual(Object.keys(entries).sort(), ['a.txt', 'b.txt', 'envs/c.txt', 'new-name.tf']);
    assert.deepEqual([entries['a.txt'].status, entries['a.txt'].lines_added, entries['a.txt'].lines_removed], ['modified', 1, 1]);
    assert.deepEqual([entries['b.txt'].status, entries['b.txt'].old.path, entries['b.txt'].new], ['removed', 'b.txt', null]);
    assert.deepEqual([entries['envs/c.txt'].status, entries['envs/c.txt'].old, entries['envs/c.txt'].lines_added], ['added', null, 2]);
    assert.deepEqual([entries['new-name.tf'].status, entries['new-name.tf'].old.path, entries['new-name.tf'].new.path], ['renamed', 'old-name.tf', 'new-name.tf']);
    assert.match(entries['a.txt'].new.links.self.href, new RegExp(`/2\\.0/repositories/acme/net/src/${feature}/a\\.txt$`));
    assert.match(entries['a.txt'].old.links.self.href, new RegExp(`/src/${base}/a\\.txt$`));
  });

  it('the first commit of a repository is all additions', async () => {
    const answer = await ana.get(`/repositories/acme/net/diffstat/${base}`);
    assert.deepEqual(answer.json.values.map((entry: any) => entry.status), ['added', 'added', 'added', 'added']);
  });

  it('a..b is source..destination, three-dot by default (from the merge base); topic=false compares the two commits', async () => {
    const threeDot = await ana.get(`/repositories/acme/net/diffstat/${feature}..${mainAhead}`);
    assert.deepEqual(Object.keys(byPath(threeDot.json.values)).sort(), ['a.txt', 'b.txt', 'envs/c.txt', 'new-name.tf'], 'main moving on is not part of the feature');
    const twoDot = await ana.get(`/repositories/acme/net/diffstat/${feature}..${mainAhead}?topic=false`);
    const z = byPath(twoDot.json.values)['z.txt'];
    assert.deepEqual([z.status, z.lines_added, z.lines_removed], ['modified', 1, 2], 'from main\'s z.txt back to the feature\'s');
    const branches = await ana.get('/repositories/acme/net/diffstat/feature/vpc..main');
    assert.equal(branches.json.values.length, 4, 'branch names work as a spec too');
  });

  it("a pull request's diffstat redirects (302) to the repository's, with Bitbucket's spec; following it lists the changes", async () => {
    const pull = bitbucket.pullRequests.create('acme/net', { source: 'feature/vpc', title: 'VPC' });
    const redirect = await ana.get(`/repositories/acme/net/pullrequests/${pull.id}/diffstat`);
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location') ?? '';
    assert.match(location, new RegExp(`/2\\.0/repositories/acme/net/diffstat/acme/net:${feature.slice(0, 12)}%0D${mainAhead.slice(0, 12)}\\?from_pullrequest_id=${pull.id}&topic=true$`));
    const followed = await ana.get(location);
    assert.equal(followed.status, 200);
    assert.deepEqual(Object.keys(byPath(followed.json.values)).sort(), ['a.txt', 'b.txt', 'envs/c.txt', 'new-name.tf']);
    const got = await ana.get(`/repositories/acme/net/pullrequests/${pull.id}`);
    assert.equal(got.json.links.diffstat.href, location, "the pull request's own link is the same");
  });

  it('pages: a test sets a smaller page size, next links lead on, and calls are counted from a mark', async () => {
    bitbucket.world.limitDiffstat('acme/net', { defaultPagelen: 2, maxPagelen: 3 });
    try {
      const mark = bitbucket.mark();
      const { values, pages } = await ana.all(`/repositories/acme/net/diffstat/${feature}`);
      assert.equal(values.length, 4);
      assert.equal(pages, 2);
      assert.equal(bitbucket.countSince(mark, 'GET', DIFFSTAT), 2, 'one call per page');
      const capped = await ana.get(`/repositories/acme/net/diffstat/${feature}?pagelen=5000`);
      assert.equal(capped.json.pagelen, 3, 'pagelen above the maximum is cut to it');
    } finally {
      bitbucket.world.limitDiffstat('acme/net', { defaultPagelen: 500, maxPagelen: 5_000 });
    }
  });

  it('a huge diff can be capped (the list stops, no next) or time out (555, as the document declares)', async () => {
    bitbucket.world.limitDiffstat('acme/net', { maxFiles: 3 });
    const capped = await ana.get(`/repositories/acme/net/diffstat/${feature}?pagelen=2`);
    const second = await ana.get(capped.json.next);
    assert.equal(capped.json.values.length + second.json.values.length, 3);
    assert.equal(second.json.next, undefined);
    bitbucket.world.limitDiffstat('acme/net', { maxFiles: null, timeoutAboveFiles: 3 });
    const timedOut = await ana.get(`/repositories/acme/net/diffstat/${feature}`);
    assert.equal(timedOut.status, 555);
    assert.equal(timedOut.json.type, 'error');
    assert.match(timedOut.json.error.message, /timeout/i);
    bitbucket.world.limitDiffstat('acme/net', { timeoutAboveFiles: null });
  });

  it('an unknown commit is 404; a token without read:repository is refused with 403', async () => {
    const unknown = await ana.get('/repositories/acme/net/diffstat/0123456789ab');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.type, 'error');
    bitbucket.world.addUser({ email: 'bo@example.com', token: 'ATATT3xFfGF0-user-only', scopes: ['read:user:bitbucket'], workspaces: { acme: 'member' } });
    const refused = await clientFor(bitbucket, 'bo@example.com', 'ATATT3xFfGF0-user-only').get(`/repositories/acme/net/diffstat/${feature}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-accepted-oauth-scopes'), 'read:repository:bitbucket');
  });
});
