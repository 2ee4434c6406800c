// The pull request webhook bodies built from the fake's world have the real bodies' shape (every key
// of the real fixtures, and no key no fixture has), carry the world's values, and are sent and
// signed the way Bitbucket sends them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseEvent } from '../../../server/webhooks/events';
import { startFakeBitbucket, type FakeBitbucket, type FakeUser } from '../../support/fakeBitbucket';
import { pullRequestEvent, type PullRequestEventKey } from '../../support/pullRequestEvents';
import { deliverToHooks, sendWebhook, signatureOf } from '../../support/webhookDelivery';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures/webhooks');

/** Each real body and the event Bitbucket sent it for (fixtures README). */
const FIXTURE_EVENTS: Record<string, PullRequestEventKey> = {
  'atlantis/bitbucket-cloud-comment-event.json': 'pullrequest:comment_created',
  'atlantis/bitbucket-cloud-pull-event-created.json': 'pullrequest:created',
  'atlantis/bitbucket-cloud-pull-event-fulfilled.json': 'pullrequest:fulfilled',
  'atlantis/bitbucket-cloud-pull-event-rejected.json': 'pullrequest:rejected',
  'atlantis/bitbucket-cloud-pull-event-updated.json': 'pullrequest:updated',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-createPayloadFork.json': 'pullrequest:created',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-createPayloadOrigin.json': 'pullrequest:created',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-fulfilledPayload.json': 'pullrequest:fulfilled',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-rejectedPayload.json': 'pullrequest:rejected',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-updatePayload_newCommit.json': 'pullrequest:updated',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-updatePayload_newDestination.json': 'pullrequest:updated',
  'jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-updatePayload_newDestinationCommit.json': 'pullrequest:updated',
  'jenkins-bitbucket-branch-source/pullrequest_created.json': 'pullrequest:created',
  'jenkins-bitbucket-branch-source/pullrequest_rejected.json': 'pullrequest:rejected',
  'jenkins-bitbucket-branch-source/pullrequest_updated.json': 'pullrequest:updated',
};

/** Every key path of a body; array elements as `[]`. */
function keysOf(value: unknown, prefix = ''): Set<string> {
  const keys = new Set<string>();
  if (Array.isArray(value)) for (const item of value) for (const key of keysOf(item, `${prefix}[]`)) keys.add(key);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      keys.add(`${prefix}.${key}`);
      for (const nested of keysOf(inner, `${prefix}.${key}`)) keys.add(nested);
    }
  }
  return keys;
}

/**
 * Keys of the older fixtures that Bitbucket no longer sends: `username` went in 2019 (Atlassian's
 * privacy changes), and a repository is owned by its workspace (a team, no account_id), not a person.
 */
const RETIRED = (key: string) => /\.username$/.test(key) || /^\.repository\.owner\.(account_id|nickname)$/.test(key);

describe('fake Bitbucket: pull request webhook bodies', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let ana: FakeUser;
  let bo: FakeUser;
  const fixtures = Object.entries(FIXTURE_EVENTS).map(([file, eventKey]) => ({ file, eventKey, body: JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as unknown }));
  const union = new Set(fixtures.flatMap((fixture) => [...keysOf(fixture.body)]));
  // What the fixtures do not happen to show but Bitbucket documents: every account in a body is a user
  // like the actor (reviewers, commenters, who approved or requested changes), and a comment can be
  // inline or a reply.
  const USERS = ['.actor', '.pullrequest.author', '.pullrequest.closed_by', '.pullrequest.participants[].user', '.pullrequest.reviewers[]', '.comment.user', '.approval.user', '.changes_request.user'];
  const userKeys = [...union].flatMap((key) => USERS.filter((root) => key.startsWith(`${root}.`)).map((root) => key.slice(root.length)));
  for (const root of USERS) for (const suffix of userKeys) union.add(`${root}${suffix}`);
  for (const key of ['.approval', '.approval.date', '.approval.user', '.changes_request', '.changes_request.date', '.changes_request.user', '.comment.inline', '.comment.inline.path', '.comment.inline.from', '.comment.inline.to']) union.add(key);
  for (const key of ['.comment.parent', '.comment.parent.id', '.comment.parent.links', '.comment.parent.links.html', '.comment.parent.links.html.href', '.comment.parent.links.self', '.comment.parent.links.self.href']) union.add(key);

  before(async () => {
    bitbucket = await startFakeBitbucket();
    ana = bitbucket.world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: 'ATATT3xFfGF0-ana', workspaces: { acme: 'admin' } });
    bo = bitbucket.world.person('bo@example.com', 'Bo');
    bitbucket.pushCommit('acme/net', 'main', { 'main.tf': '# main\n' });
    bitbucket.pushCommit('acme/net', 'feature/a', { 'a.tf': '# a\n' });
    bitbucket.pushCommit('acme/net', 'feature/b', { 'b.tf': '# b\n' });
    bitbucket.pullRequests.create('acme/net', { id: 1, source: 'feature/a', title: 'A', author: ana, reviewers: [bo] });
    bitbucket.pullRequests.approve('acme/net', 1, bo);
    bitbucket.pullRequests.comment('acme/net', 1, { author: bo, raw: 'plan please', inline: { path: 'a.tf', to: 1 } });
    bitbucket.pullRequests.create('acme/net', { id: 2, source: 'feature/b', title: 'B', author: ana, reviewers: [bo] });
    bitbucket.pullRequests.approve('acme/net', 2, bo);
    bitbucket.pullRequests.decline('acme/net', 2, ana, 'superseded by A');
  });
  after(() => bitbucket?.stop());

  /** The state each fixture shows: merged for fulfilled, declined for rejected, open otherwise. */
  const built = (eventKey: PullRequestEventKey) => {
    if (eventKey === 'pullrequest:rejected') return pullRequestEvent(bitbucket, eventKey, { repository: 'acme/net', id: 2, actor: ana });
    return pullRequestEvent(bitbucket, eventKey, { repository: 'acme/net', id: 1, actor: bo });
  };

  it('every key of every real body is in the body built for the same event (keys Bitbucket retired aside)', () => {
    const merged = new Map<string, Set<string>>();
    for (const eventKey of new Set(fixtures.map((fixture) => fixture.eventKey))) {
      if (eventKey === 'pullrequest:fulfilled' || eventKey === 'pullrequest:comment_created') continue;
      merged.set(eventKey, keysOf(built(eventKey).json));
    }
    // The fulfilled bodies, and Atlantis's comment (made on a merged pull request), show a merged one.
    bitbucket.pullRequests.merge('acme/net', 1, ana);
    merged.set('pullrequest:fulfilled', keysOf(built('pullrequest:fulfilled').json));
    merged.set('pullrequest:comment_created', keysOf(built('pullrequest:comment_created').json));
    let compared = 0;
    for (const fixture of fixtures) {
      const ours = merged.get(fixture.eventKey) ?? new Set();
      const missing = [...keysOf(fixture.body)].filter((key) => !RETIRED(key) && !ours.has(key));
      assert.deepEqual(missing, [], `${fixture.file}: keys missing from the built ${fixture.eventKey}`);
      compared++;
    }
    assert.equal(compared, 15);
  });

  it('no built body has a key that no real body has (or that Bitbucket does not document)', () => {
    const keys = ['pullrequest:comment_created', 'pullrequest:approved', 'pullrequest:unapproved', 'pullrequest:changes_request_created', 'pullrequest:rejected', 'pullrequest:updated'] as const;
    for (const eventKey of keys) {
      const extra = [...keysOf(built(eventKey).json)].filter((key) => !union.has(key));
      assert.deepEqual(extra, [], `${eventKey} has keys no fixture has`);
    }
  });

  it("a comment event carries the world's comment: content.raw, id, the commenter's account_id, inline, and the actor", () => {
    const comment = bitbucket.world.repository('acme/net')?.pulls.get(1)?.comments[0];
    const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: 'acme/net', id: 1, actor: bo });
    const body = event.json as any;
    assert.deepEqual(
      [body.comment.id, body.comment.content.raw, body.comment.user.account_id, body.comment.inline.path, body.actor.account_id, body.pullrequest.id],
      [comment?.id, 'plan please', bo.accountId, 'a.tf', bo.accountId, 1],
    );
    assert.equal(event.eventKey, 'pullrequest:comment_created');
    assert.equal(event.body, JSON.stringify(event.json), 'the body is the bytes that are signed and sent');
  });

  it('approval events name who approved; a pull request event shows participants and the 12-character commits Bitbucket sends', () => {
    const body = pullRequestEvent(bitbucket, 'pullrequest:approved', { repository: 'acme/net', id: 2, actor: bo }).json as any;
    assert.equal(body.approval.user.account_id, bo.accountId);
    assert.deepEqual(body.pullrequest.participants.map((p: any) => [p.user.account_id, p.role, p.approved, p.state]), [[bo.accountId, 'REVIEWER', true, 'approved']]);
    assert.equal(body.pullrequest.source.commit.hash.length, 12);
    assert.equal(body.repository.full_name, 'acme/net');
  });

  it("Stackhook's reader takes every built event; a pull request from a fork reads as one", () => {
    for (const eventKey of ['pullrequest:created', 'pullrequest:updated', 'pullrequest:approved', 'pullrequest:comment_created'] as const) {
      const parsed = parseEvent(eventKey, built(eventKey).json);
      assert.ok(parsed.ok && parsed.event.kind === 'pullrequest' && !parsed.event.pullRequest.origin.fork, `${eventKey}: ${JSON.stringify(parsed)}`);
    }
    bitbucket.pushCommit('someone/net', 'patch', { 'evil.tf': '# from a fork\n' });
    const fork = bitbucket.pullRequests.create('acme/net', { source: { repository: 'someone/net', branch: 'patch' }, author: 'someone@example.com' });
    const parsed = parseEvent('pullrequest:created', pullRequestEvent(bitbucket, 'pullrequest:created', { repository: 'acme/net', id: fork.id }).json);
    assert.ok(parsed.ok && parsed.event.kind === 'pullrequest' && parsed.event.pullRequest.origin.fork);
  });

  describe('sending', () => {
    let server: Server;
    let url: string;
    const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
    before(async () => {
      server = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          received.push({ path: request.url ?? '', headers: request.headers, body });
          response.writeHead(202).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => (received.length = 0));

    it("signs as Bitbucket does: the signer agrees with Bitbucket's own signature of a real body", () => {
      const signed = readFileSync(path.join(FIXTURES, 'jenkins-bitbucket-branch-source/signed_payload.json'));
      assert.equal(signatureOf('Gkvl$k$wyNpQAF42', signed), 'sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035');
    });

    it("sendWebhook posts Bitbucket's headers and an HMAC of the exact bytes", async () => {
      const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: 'acme/net', id: 1, actor: bo });
      const sent = await sendWebhook(`${url}/webhooks/bitbucket-cloud/acme`, event, { secret: 'whsec-1' });
      assert.equal(sent.status, 202);
      const [delivery] = received;
      assert.equal(delivery?.body, event.body);
      assert.equal(delivery?.headers['x-hub-signature'], signatureOf('whsec-1', delivery?.body ?? ''));
      assert.deepEqual(
        [delivery?.headers['x-event-key'], delivery?.headers['user-agent'], delivery?.headers['x-attempt-number'], delivery?.headers['x-request-uuid']],
        ['pullrequest:comment_created', 'Bitbucket-Webhooks/2.0', '1', sent.requestUuid],
      );
    });

    it("deliverToHooks sends to the repository's and workspace's active hooks that subscribe, each with its own secret", async () => {
      bitbucket.addHook('acme/net', { url: `${url}/signed`, events: ['pullrequest:comment_created'], secret: 'whsec-repo' });
      bitbucket.addHook('acme/net', { url: `${url}/inactive`, events: ['pullrequest:comment_created'], active: false });
      bitbucket.addHook('acme/net', { url: `${url}/push-only`, events: ['repo:push'] });
      bitbucket.addWorkspaceHook('acme', { url: `${url}/workspace`, events: ['pullrequest:comment_created'] });
      const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: 'acme/net', id: 1, actor: bo });
      const results = await deliverToHooks(bitbucket, 'acme/net', event);
      assert.deepEqual(results.map((result) => result.sent.status), [202, 202]);
      const byPath = new Map(received.map((delivery) => [delivery.path, delivery]));
      assert.deepEqual([...byPath.keys()].sort(), ['/signed', '/workspace']);
      assert.equal(byPath.get('/signed')?.headers['x-hub-signature'], signatureOf('whsec-repo', event.body));
      assert.equal(byPath.get('/workspace')?.headers['x-hub-signature'], undefined, 'a hook without a secret sends no signature');
      assert.equal(byPath.get('/signed')?.headers['x-hook-uuid'], bitbucket.hooks('acme/net')[0]?.uuid);
    });
  });
});
