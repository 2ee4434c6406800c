// Pull requests as Bitbucket keeps them, driven over HTTP as a client would: reading and listing
// them, approvals and change requests by other people, comments by anyone (inline, replies, edits,
// deletions), tasks, pushes that move them, merges in git and declines.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { ALL_SCOPES, EVERY_SCOPE, startFakeBitbucket, type FakeBitbucket, type FakeUser } from '../../support/fakeBitbucket';
import { clientFor, type Client } from './client';

describe('fake Bitbucket: pull requests, reviews, comments and tasks', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let stackhook: Client;
  let reviewer: Client;
  let ana: FakeUser;
  let bo: FakeUser;
  let head: string;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    ana = bitbucket.world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: 'ATATT3xFfGF0-ana', scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    bo = bitbucket.world.addUser({ email: 'bo@example.com', displayName: 'Bo', token: 'ATATT3xFfGF0-bo', scopes: EVERY_SCOPE, workspaces: { acme: 'member' } });
    stackhook = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-ana');
    reviewer = clientFor(bitbucket, 'bo@example.com', 'ATATT3xFfGF0-bo');
    bitbucket.pushCommit('acme/net', 'main', { 'main.tf': 'resource "null_resource" "a" {}\n' }, 'Start');
    head = bitbucket.pushCommit('acme/net', 'feature/vpc', { 'vpc.tf': 'resource "null_resource" "vpc" {}\n' }, 'VPC');
  });
  after(() => bitbucket?.stop());

  it('a pull request reads as Bitbucket writes it: author with account_id and uuid, branches, 12-character commits, reviewers and participants', async () => {
    const pull = bitbucket.pullRequests.create('acme/net', { source: 'feature/vpc', title: 'Add the VPC', description: 'Needs **review**', author: ana, reviewers: [bo] });
    const answer = await stackhook.get(`/repositories/acme/net/pullrequests/${pull.id}`);
    assert.equal(answer.status, 200);
    const body = answer.json;
    assert.deepEqual([body.type, body.id, body.title, body.state, body.draft], ['pullrequest', pull.id, 'Add the VPC', 'OPEN', false]);
    assert.deepEqual([body.author.account_id, body.author.uuid], [ana.accountId, ana.uuid]);
    assert.deepEqual([body.source.branch.name, body.source.commit.hash, body.destination.branch.name], ['feature/vpc', head.slice(0, 12), 'main']);
    assert.equal(body.source.repository.full_name, 'acme/net');
    assert.equal(body.merge_commit, null);
    assert.deepEqual(body.reviewers.map((user: any) => user.account_id), [bo.accountId]);
    assert.deepEqual(body.participants.map((p: any) => [p.user.account_id, p.role, p.approved, p.state]), [[bo.accountId, 'REVIEWER', false, null]]);
    assert.equal(body.summary.raw, 'Needs **review**');
    assert.match(body.links.html.href, new RegExp(`/acme/net/pull-requests/${pull.id}$`));
  });

  it('the list holds open pull requests by default, others by state, and leaves out participants as Bitbucket does', async () => {
    const other = bitbucket.pullRequests.create('acme/net', { source: 'main', destination: 'feature/vpc', title: 'Backport' });
    bitbucket.pullRequests.decline('acme/net', other.id, ana, 'Not needed');
    const open = await stackhook.get('/repositories/acme/net/pullrequests');
    assert.deepEqual(open.json.values.map((p: any) => p.state), ['OPEN']);
    assert.equal(open.json.values[0].participants, undefined);
    const declined = await stackhook.get('/repositories/acme/net/pullrequests?state=DECLINED');
    assert.deepEqual(declined.json.values.map((p: any) => [p.id, p.reason, p.closed_by.account_id]), [[other.id, 'Not needed', ana.accountId]]);
    const both = await stackhook.get('/repositories/acme/net/pullrequests?state=OPEN&state=DECLINED');
    assert.equal(both.json.values.length, 2);
    assert.equal((await stackhook.get('/repositories/acme/net/pullrequests?state=CLOSED')).status, 400);
  });

  it('an edit changes title, reviewers and draft; a superseded pull request is listed by its state', async () => {
    const carol = bitbucket.world.person('carol@example.com', 'Carol');
    const draft = bitbucket.pullRequests.create('acme/net', { source: 'feature/vpc', title: 'WIP', draft: true, reviewers: [bo] });
    bitbucket.pullRequests.update('acme/net', draft.id, { title: 'Ready', draft: false, reviewers: [carol] });
    const body = (await stackhook.get(`/repositories/acme/net/pullrequests/${draft.id}`)).json;
    assert.deepEqual([body.title, body.draft, body.reviewers.map((user: any) => user.display_name)], ['Ready', false, ['Carol']]);
    bitbucket.pullRequests.supersede('acme/net', draft.id);
    const superseded = await stackhook.get('/repositories/acme/net/pullrequests?state=SUPERSEDED');
    assert.deepEqual(superseded.json.values.map((p: any) => p.id), [draft.id]);
    assert.throws(() => bitbucket.pullRequests.update('acme/net', draft.id, { title: 'again' }), /superseded/);
  });

  it('approvals and change requests are each user\'s own: participant state approved / changes_requested / null', async () => {
    const approved = await reviewer.send('POST', '/repositories/acme/net/pullrequests/1/approve');
    assert.equal(approved.status, 200);
    assert.deepEqual([approved.json.type, approved.json.approved, approved.json.state, approved.json.user.account_id], ['participant', true, 'approved', bo.accountId]);
    const requested = await reviewer.send('POST', '/repositories/acme/net/pullrequests/1/request-changes');
    assert.deepEqual([requested.json.approved, requested.json.state], [false, 'changes_requested'], 'requesting changes takes the approval back');
    assert.equal((await reviewer.send('DELETE', '/repositories/acme/net/pullrequests/1/approve')).status, 400, 'nothing to unapprove');
    assert.equal((await reviewer.send('DELETE', '/repositories/acme/net/pullrequests/1/request-changes')).status, 204);
    assert.equal((await reviewer.send('POST', '/repositories/acme/net/pullrequests/1/approve')).status, 200);
    const carol = bitbucket.world.person('carol@example.com', 'Carol');
    bitbucket.pullRequests.requestChanges('acme/net', 1, carol);
    const body = (await stackhook.get('/repositories/acme/net/pullrequests/1')).json;
    assert.deepEqual(body.participants.map((p: any) => [p.user.display_name, p.role, p.approved, p.state]), [
      ['Bo', 'REVIEWER', true, 'approved'],
      ['Carol', 'PARTICIPANT', false, 'changes_requested'],
    ]);
    assert.equal((await stackhook.send('POST', '/repositories/acme/net/pullrequests/1/approve')).status, 403, "Stackhook's token has no write:pullrequest");
    assert.equal((await reviewer.send('POST', '/repositories/acme/net/pullrequests/2/approve')).status, 400, 'a declined pull request cannot be approved');
  });

  it('comments by anyone: inline, replies, deleted ones kept, paged; Stackhook still posts and edits its own, and cannot edit others\'', async () => {
    const question = bitbucket.pullRequests.comment('acme/net', 1, { author: bo, raw: 'Why /16?', inline: { path: 'vpc.tf', to: 1 } });
    const reply = await stackhook.send('POST', '/repositories/acme/net/pullrequests/1/comments', { content: { raw: 'Room to grow.' }, parent: { id: question.id } });
    assert.equal(reply.status, 201);
    assert.equal(reply.json.parent.id, question.id);
    const own = await stackhook.send('POST', '/repositories/acme/net/pullrequests/1/comments', { content: { raw: '**Stackhook** planned' } });
    const edited = await stackhook.send('PUT', `/repositories/acme/net/pullrequests/1/comments/${own.json.id}`, { content: { raw: '**Stackhook** planned again' } });
    assert.equal(edited.json.content.raw, '**Stackhook** planned again');
    assert.equal((await stackhook.send('PUT', `/repositories/acme/net/pullrequests/1/comments/${question.id}`, { content: { raw: 'hijacked' } })).status, 403);
    const gone = bitbucket.pullRequests.comment('acme/net', 1, { author: bo, raw: 'oops' });
    assert.equal((await reviewer.send('DELETE', `/repositories/acme/net/pullrequests/1/comments/${gone.id}`)).status, 204);
    for (let i = 0; i < 12; i++) bitbucket.pullRequests.comment('acme/net', 1, { author: 'dev@example.com', raw: `note ${i}` });
    const { values, pages } = await stackhook.all('/repositories/acme/net/pullrequests/1/comments');
    assert.equal(pages, 2, '16 comments in pages of 10');
    const byId = new Map(values.map((comment: any) => [comment.id, comment]));
    assert.deepEqual([byId.get(question.id).inline, byId.get(question.id).user.account_id], [{ path: 'vpc.tf', to: 1 }, bo.accountId]);
    assert.deepEqual([byId.get(gone.id).deleted, byId.get(gone.id).content.raw], [true, '']);
    assert.equal(bitbucket.world.repository('acme/net')?.pullRequests.get(1)?.length, 16, 'the comments tests read from the world are the same');
    const listed = (await stackhook.get('/repositories/acme/net/pullrequests/1')).json;
    assert.equal(listed.comment_count, 15, 'a deleted comment is not counted');
  });

  it('tasks: created by people, listed with their state, filtered with q=state="UNRESOLVED"', async () => {
    const done = bitbucket.pullRequests.addTask('acme/net', 1, { creator: bo, raw: 'Tag the subnets', state: 'RESOLVED' });
    const created = await stackhook.send('POST', '/repositories/acme/net/pullrequests/1/tasks', { content: { raw: 'Check the plan' } });
    assert.equal(created.status, 201);
    const all = await stackhook.get('/repositories/acme/net/pullrequests/1/tasks');
    assert.deepEqual(all.json.values.map((task: any) => [task.content.raw, task.state]), [['Tag the subnets', 'RESOLVED'], ['Check the plan', 'UNRESOLVED']]);
    assert.equal(all.json.values[0].resolved_by.account_id, bo.accountId);
    const open = await stackhook.get(`/repositories/acme/net/pullrequests/1/tasks?q=${encodeURIComponent('state="UNRESOLVED"')}`);
    assert.deepEqual(open.json.values.map((task: any) => task.id), [created.json.id]);
    const resolved = await reviewer.send('PUT', `/repositories/acme/net/pullrequests/1/tasks/${created.json.id}`, { state: 'RESOLVED' });
    assert.equal(resolved.json.state, 'RESOLVED');
    assert.equal((await stackhook.get('/repositories/acme/net/pullrequests/1')).json.task_count, 0);
    assert.equal(done.state, 'RESOLVED');
  });

  it('a push to the source branch moves the pull request; a branch restriction resets approvals on change', async () => {
    bitbucket.world.addBranchRestriction('acme/net', { kind: 'reset_pullrequest_approvals_on_change', pattern: 'main' });
    const approvedBefore = (await stackhook.get('/repositories/acme/net/pullrequests/1')).json.participants.filter((p: any) => p.approved);
    assert.deepEqual(approvedBefore.map((p: any) => p.user.display_name), ['Bo']);
    const next = bitbucket.pushCommit('acme/net', 'feature/vpc', { 'vpc.tf': 'resource "null_resource" "vpc" { count = 2 }\n' }, 'Two');
    const body = (await stackhook.get('/repositories/acme/net/pullrequests/1')).json;
    assert.equal(body.source.commit.hash, next.slice(0, 12));
    assert.deepEqual(body.participants.filter((p: any) => p.approved), [], 'the approval was reset');
    assert.deepEqual(body.participants.find((p: any) => p.user.display_name === 'Carol').state, 'changes_requested', 'a change request stays (no reset_pullrequest_changes_requested_on_change)');
    const linked = await stackhook.get(`/repositories/acme/net/commit/${next}/pullrequests`);
    assert.deepEqual(linked.json.values.map((p: any) => p.id), [1], 'the commit links app knows the new commit');
  });

  it('merging runs a real merge in git: the destination moves to a merge commit whose parents are both heads', async () => {
    const mainBefore = bitbucket.world.repository('acme/net')?.branches.get('main') ?? '';
    const source = bitbucket.world.repository('acme/net')?.pulls.get(1)?.source.commit ?? '';
    const merged = await reviewer.send('POST', '/repositories/acme/net/pullrequests/1/merge', { type: 'pullrequest_merge_parameters', merge_strategy: 'merge_commit', close_source_branch: true });
    assert.equal(merged.status, 200);
    assert.equal(merged.json.state, 'MERGED');
    assert.equal(merged.json.closed_by.account_id, bo.accountId);
    const mainAfter = bitbucket.world.repository('acme/net')?.branches.get('main') ?? '';
    assert.equal(merged.json.merge_commit.hash, mainAfter.slice(0, 12));
    const diff = await stackhook.get(`/repositories/acme/net/diffstat/${mainAfter}`);
    assert.deepEqual(diff.json.values.map((entry: any) => entry.new.path), ['vpc.tf'], 'the merge commit brings the feature onto main');
    const gitDir = bitbucket.world.repository('acme/net')?.gitDir ?? '';
    const parents = execFileSync('git', ['--git-dir', gitDir, 'rev-list', '--parents', '-n', '1', mainAfter], { encoding: 'utf8' }).trim().split(' ').slice(1);
    assert.deepEqual(parents, [mainBefore, source]);
    assert.equal(bitbucket.world.repository('acme/net')?.branches.has('feature/vpc'), false, 'close_source_branch deletes it');
    assert.equal((await reviewer.send('POST', '/repositories/acme/net/pullrequests/1/merge', {})).status, 400, 'a merged pull request cannot merge again');
  });

  it('conflicting changes refuse to merge (409) and change nothing', async () => {
    bitbucket.pushCommit('acme/net', 'left', { 'main.tf': 'left\n' });
    bitbucket.pushCommit('acme/net', 'main', { 'main.tf': 'right\n' });
    const pull = bitbucket.pullRequests.create('acme/net', { source: 'left' });
    const before = bitbucket.world.repository('acme/net')?.branches.get('main');
    assert.throws(() => bitbucket.pullRequests.merge('acme/net', pull.id, ana), (error: Error & { status?: number }) => error.status === 409);
    assert.equal(bitbucket.world.repository('acme/net')?.branches.get('main'), before);
    assert.equal(bitbucket.world.repository('acme/net')?.pulls.get(pull.id)?.state, 'OPEN');
  });
});
