import { strict as assert } from 'node:assert';
import { parseEvent } from '../../../server/webhooks/events';
import { parseDeliveryHeaders } from '../../../server/webhooks/headers';
import { allFixtures, loadFixture, repositoryOf } from './fixtures';

describe('webhook bodies and headers', () => {
  const fixtures = allFixtures();

  it('finds every fixture with an event key', () => {
    assert.ok(fixtures.length >= 25, `only ${fixtures.length} fixtures found`);
  });

  for (const fixture of fixtures) {
    it(`R15: ${fixture.name} parses as ${fixture.eventKey}`, () => {
      const parsed = parseEvent(fixture.eventKey, fixture.json);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
      const { event } = parsed;
      assert.equal(event.repository, repositoryOf(fixture));
      if (fixture.eventKey === 'repo:push') {
        assert.equal(event.kind, 'push');
      } else {
        assert.equal(event.kind, 'pullrequest');
        if (event.kind === 'pullrequest') assert.equal(`pullrequest:${event.action}`, fixture.eventKey);
      }
    });
  }

  it('R15: a push change keeps type, name and commit; a deletion has no new ref', () => {
    const multiple = parseEvent('repo:push', loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-multipleChangesPayload.json').json);
    assert.ok(multiple.ok && multiple.event.kind === 'push');
    assert.deepEqual(
      multiple.event.changes.map((c) => [c.type, c.name, c.commit, c.deleted]),
      [
        ['branch', 'main', '325d37697849f4b1fe42cb19c20134af08e03a82', false],
        ['branch', 'manchu', 'e22fcb49645b4586a845938afac5eb3ac1950586', false],
        ['tag', 'v0.1', '1986c228494671574242f99b62d1a00a4bfb69a5', false],
      ],
    );
    const deleted = parseEvent('repo:push', loadFixture('jenkins-bitbucket-branch-source/branch_deleted.json').json);
    assert.ok(deleted.ok && deleted.event.kind === 'push');
    assert.deepEqual(deleted.event.changes, [{ type: null, name: 'feature/test', commit: null, oldCommit: '174561d625c9623b60d8aba09b7f08ddc9df45cd', deleted: true }]);
  });

  it('R15: a pull request keeps its branches, commit and whether it comes from a fork', () => {
    // The source is named lkysow-fork/atlantis-example but carries the destination's UUID: one repository.
    const created = parseEvent('pullrequest:created', loadFixture('atlantis/bitbucket-cloud-pull-event-created.json').json);
    assert.ok(created.ok && created.event.kind === 'pullrequest');
    assert.deepEqual(created.event.pullRequest, {
      id: 16,
      sourceBranch: 'Luke/maintf-edited-online-with-bitbucket-1560433073473',
      sourceCommit: '1e69a602caef',
      destinationBranch: 'main',
      destinationCommit: '1d1f6d3216f1',
      origin: { fork: false },
    });
    const fork = parseEvent('pullrequest:created', loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-createPayloadFork.json').json);
    assert.ok(fork.ok && fork.event.kind === 'pullrequest');
    assert.deepEqual(fork.event.pullRequest.origin, { fork: true, reason: 'comes from a fork (stephenc/temp-fork)' });
  });

  it('a pull request whose source repository cannot be read still parses: it counts as a fork\'s, not as a bad body', () => {
    const body = structuredClone(loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPullRequestEventTest-createPayloadOrigin.json').json) as { pullrequest: { source: { repository: unknown } } };
    body.pullrequest.source.repository = { full_name: ['not', 'a', 'name'] };
    const parsed = parseEvent('pullrequest:created', body as unknown as Record<string, unknown>);
    assert.ok(parsed.ok && parsed.event.kind === 'pullrequest');
    assert.deepEqual(parsed.event.pullRequest.origin, { fork: true, reason: 'counts as coming from a fork (its source repository cannot be read)' });
  });

  it('says what is wrong with a body of the wrong shape, without quoting it', () => {
    const parsed = parseEvent('repo:push', { repository: { full_name: 'acme/net' }, push: { changes: [{ new: { type: 'branch', name: 42 } }] }, secret: 'do-not-quote' });
    assert.ok(!parsed.ok);
    assert.match(parsed.problem, /push\.changes\.0\.new\.name/);
    assert.doesNotMatch(parsed.problem, /do-not-quote|42/);
    assert.equal(parsed.repository, 'acme/net');
    assert.ok(!parseEvent('pullrequest:created', { repository: { full_name: 'acme/net' } }).ok);
  });

  it('takes events it does not act on as "other", keeping the repository when there is one', () => {
    assert.deepEqual(parseEvent('repo:updated', { repository: { full_name: 'acme/net' } }), {
      ok: true,
      event: { kind: 'other', eventKey: 'repo:updated', repository: 'acme/net' },
    });
    assert.deepEqual(parseEvent('issue:created', {}), { ok: true, event: { kind: 'other', eventKey: 'issue:created', repository: null } });
  });

  it('needs X-Event-Key and X-Request-UUID, and refuses duplicated or malformed ones', () => {
    const good = { 'x-event-key': 'repo:push', 'x-request-uuid': '5e9a4f1c-0a3b-4d1e-9c55-0c0f2a6d7e21', 'x-attempt-number': '2' };
    const parsed = parseDeliveryHeaders(good);
    assert.ok(parsed.ok);
    assert.equal(parsed.headers['x-attempt-number'], 2);
    const noKey = parseDeliveryHeaders({ 'x-request-uuid': 'abc' });
    assert.ok(!noKey.ok);
    assert.match(noKey.problem, /X-Event-Key is missing/);
    const noUuid = parseDeliveryHeaders({ 'x-event-key': 'repo:push' });
    assert.ok(!noUuid.ok);
    assert.match(noUuid.problem, /X-Request-UUID is missing/);
    assert.ok(!parseDeliveryHeaders({ ...good, 'x-request-uuid': 'a, b' }).ok);
    assert.ok(!parseDeliveryHeaders({ ...good, 'x-event-key': 'push' }).ok);
    const oddAttempt = parseDeliveryHeaders({ ...good, 'x-attempt-number': 'many' });
    assert.ok(oddAttempt.ok, 'an unreadable attempt number is no reason to refuse');
  });
});
