// The rules around a change, as tests set them and a client reads them: branch restrictions (a
// repository admin with admin:repository only), effective default reviewers, other tools' build
// statuses beside Stackhook's, and who the API's user is (the ids Stackhook links accounts by).
import { strict as assert } from 'node:assert';
import { ALL_SCOPES, EVERY_SCOPE, startFakeBitbucket, type FakeBitbucket, type FakeUser } from '../../support/fakeBitbucket';
import { clientFor, type Client } from './client';

describe('fake Bitbucket: branch restrictions, default reviewers, build statuses and the user', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let admin: Client;
  let stackhook: Client;
  let member: Client;
  let ana: FakeUser;
  let bo: FakeUser;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    ana = bitbucket.world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: 'ATATT3xFfGF0-ana', scopes: EVERY_SCOPE, workspaces: { acme: 'admin' } });
    bitbucket.world.addUser({ email: 'sh@example.com', token: 'ATATT3xFfGF0-stackhook', scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    bo = bitbucket.world.addUser({ email: 'bo@example.com', displayName: 'Bo', token: 'ATATT3xFfGF0-bo', scopes: EVERY_SCOPE, workspaces: { acme: 'member' } });
    admin = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-ana');
    stackhook = clientFor(bitbucket, 'sh@example.com', 'ATATT3xFfGF0-stackhook');
    member = clientFor(bitbucket, 'bo@example.com', 'ATATT3xFfGF0-bo');
    bitbucket.world.addRepository('acme/net');
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_approvals_to_merge', pattern: 'main', value: 2 });
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_default_reviewer_approvals_to_merge', pattern: 'main', value: 1 });
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_passing_builds_to_merge', pattern: 'release/*', value: 1 });
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_no_changes_requested', pattern: 'main' });
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_tasks_to_be_completed', pattern: 'main' });
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'push', branchMatchKind: 'branching_model', branchType: 'production', users: [ana] });
  });
  after(() => bitbucket?.stop());

  it('branch restrictions list with kind, branch_match_kind, pattern and value, paged and filtered by kind', async () => {
    const { values, pages } = await admin.all('/repositories/acme/net/branch-restrictions?pagelen=4');
    assert.equal(pages, 2);
    assert.deepEqual(
      values.map((rule) => [rule.kind, rule.branch_match_kind, rule.pattern, rule.value]),
      [
        ['require_approvals_to_merge', 'glob', 'main', 2],
        ['require_default_reviewer_approvals_to_merge', 'glob', 'main', 1],
        ['require_passing_builds_to_merge', 'glob', 'release/*', 1],
        ['require_no_changes_requested', 'glob', 'main', undefined],
        ['require_tasks_to_be_completed', 'glob', 'main', undefined],
        ['push', 'branching_model', '', undefined],
      ],
    );
    assert.equal(values[5].branch_type, 'production');
    assert.deepEqual(values[5].users.map((user: any) => user.account_id), [ana.accountId]);
    const approvals = await admin.get('/repositories/acme/net/branch-restrictions?kind=require_approvals_to_merge');
    assert.deepEqual(approvals.json.values.map((rule: any) => rule.value), [2]);
    const one = await admin.get(`/repositories/acme/net/branch-restrictions/${values[0].id}`);
    assert.equal(one.json.kind, 'require_approvals_to_merge');
  });

  it('reading them takes admin:repository (403 naming it) and a repository admin (403 for a member)', async () => {
    const withoutScope = await stackhook.get('/repositories/acme/net/branch-restrictions');
    assert.equal(withoutScope.status, 403);
    assert.equal(withoutScope.headers.get('x-accepted-oauth-scopes'), 'admin:repository:bitbucket');
    const notAdmin = await member.get('/repositories/acme/net/branch-restrictions');
    assert.equal(notAdmin.status, 403);
    assert.match(notAdmin.json.error.message, /administrator/);
    assert.throws(() => bitbucket.world.addBranchRestriction('acme/net', { kind: 'require_no_changes_requested', value: 3 }), /has no value/);
  });

  it('effective default reviewers: the repository\'s and its project\'s, with reviewer_type', async () => {
    bitbucket.world.addDefaultReviewer('acme/net', bo);
    bitbucket.world.addDefaultReviewer('acme/net', ana, 'project');
    const effective = await stackhook.get('/repositories/acme/net/effective-default-reviewers');
    assert.deepEqual(effective.json.values.map((entry: any) => [entry.type, entry.reviewer_type, entry.user.account_id]), [
      ['default_reviewer_and_type', 'repository', bo.accountId],
      ['default_reviewer_and_type', 'project', ana.accountId],
    ]);
    const own = await stackhook.get('/repositories/acme/net/default-reviewers');
    assert.deepEqual(own.json.values.map((user: any) => user.uuid), [bo.uuid], "the repository's own list leaves the project's out");
  });

  it("other tools' build statuses are listed beside the ones Stackhook writes", async () => {
    const commit = 'a'.repeat(40);
    bitbucket.world.setBuildStatus('acme/net', commit, { key: 'ci-lint', state: 'SUCCESSFUL', name: 'Lint', url: 'https://ci.example.com/1' });
    bitbucket.world.setBuildStatus('acme/net', commit, { key: 'security-scan', state: 'FAILED', refname: 'main' });
    const written = await stackhook.send('POST', `/repositories/acme/net/commit/${commit}/statuses/build`, { key: 'stackhook-net', state: 'INPROGRESS', url: 'vscode://stackhook.stackhook/run?id=1' });
    assert.equal(written.status, 201);
    const listed = await stackhook.get(`/repositories/acme/net/commit/${commit}/statuses`);
    assert.deepEqual(listed.json.values.map((status: any) => [status.key, status.state]), [['ci-lint', 'SUCCESSFUL'], ['security-scan', 'FAILED'], ['stackhook-net', 'INPROGRESS']]);
    const onMain = await stackhook.get(`/repositories/acme/net/commit/${commit}/statuses?refname=main`);
    assert.deepEqual(onMain.json.values.map((status: any) => status.key), ['security-scan']);
    const pull = bitbucket.world.addPullRequest('acme/net', 8);
    bitbucket.world.setBuildStatus('acme/net', pull.source.commit, { key: 'ci-test', state: 'INPROGRESS' });
    const ofPull = await stackhook.get('/repositories/acme/net/pullrequests/8/statuses');
    assert.deepEqual(ofPull.json.values.map((status: any) => status.key), ['ci-test'], "a pull request's statuses are its source commit's");
  });

  it('GET /user answers the account_id and uuid the world holds, the same ids comments and participants carry', async () => {
    const me = await admin.get('/user');
    assert.equal(me.status, 200);
    assert.deepEqual([me.json.account_id, me.json.uuid, me.json.type], [ana.accountId, ana.uuid, 'user']);
    assert.match(me.json.account_id, /^557058:[0-9a-f-]{36}$/);
    assert.match(me.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    bitbucket.pullRequests.comment('acme/net', 8, { author: ana, raw: 'hello' });
    const comments = await stackhook.get('/repositories/acme/net/pullrequests/8/comments');
    assert.deepEqual([comments.json.values[0].user.account_id, comments.json.values[0].user.uuid], [me.json.account_id, me.json.uuid]);
  });
});
