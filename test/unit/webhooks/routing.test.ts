import { strict as assert } from 'node:assert';
import { parseEvent, type WebhookEvent } from '../../../server/webhooks/events';
import { routeEvent, type Routing } from '../../../server/webhooks/routing';
import { loadFixture } from './fixtures';

interface TestStack {
  id: string;
  name: string;
  integrationId: string | null;
  detachedFrom: string | null;
  repository: string;
  branch: string;
  allowForks?: boolean;
}

const stack = (id: string, repository: string, branch: string, integrationId: string | null = 'acme', detachedFrom: string | null = null): TestStack => ({
  id,
  name: id,
  integrationId,
  detachedFrom,
  repository,
  branch,
});

function eventOf(file: string): WebhookEvent {
  const fixture = loadFixture(file);
  const parsed = parseEvent(fixture.eventKey, fixture.json);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.event;
}

const route = (file: string, stacks: TestStack[], integrationId = 'acme'): Routing => routeEvent(eventOf(file), integrationId, stacks);
const runsOf = (routing: Routing) => routing.runs.map((run) => [run.stackId, run.kind, run.trigger, run.branch, run.commit]);

const JENKINS = 'jenkins-bitbucket-branch-source';

describe('routing deliveries to stacks (R15)', () => {
  it('R15: a push to the stack\'s branch queues a tracked run at the pushed commit', () => {
    const routing = route(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`, [stack('temp', 'cloudbeers/temp', 'main')]);
    assert.equal(routing.verdict, 'queued');
    assert.deepEqual(runsOf(routing), [['temp', 'tracked', 'push', 'main', 'e42fac24456e4a56f1b7f9358afc3070e3b7ddec']]);
    assert.deepEqual(routing.stackIds, ['temp']);
    assert.equal(routing.reason, 'tracked run on temp (main @ e42fac24456e)');
  });

  it('R15: a push to another branch queues a proposed run', () => {
    const routing = route(`${JENKINS}/branch_created.json`, [stack('repos', 'amuniz/test-repos', 'master')]);
    assert.deepEqual(runsOf(routing), [['repos', 'proposed', 'push', 'feature/test', '174561d625c9623b60d8aba09b7f08ddc9df45cd']]);
  });

  it('R15: the repository matches whatever its case', () => {
    const routing = route(`${JENKINS}/branch_created.json`, [stack('repos', 'Amuniz/Test-Repos', 'master')]);
    assert.equal(routing.verdict, 'queued');
  });

  it('R15: tags and branch deletions are recorded and ignored', () => {
    const stacks = [stack('repos', 'amuniz/test-repos', 'master')];
    for (const [file, reason] of [
      ['tag_created.json', /tag simple-tag ignored/],
      ['annotated_tag_created.json', /tag test-tag ignored/],
      ['tag_deleted.json', /deletion of test ignored/],
      ['branch_deleted.json', /deletion of feature\/test ignored/],
    ] as const) {
      const routing = route(`${JENKINS}/${file}`, stacks);
      assert.equal(routing.verdict, 'ignored', file);
      assert.deepEqual(routing.runs, [], file);
      assert.match(routing.reason, reason, file);
    }
  });

  it('R15: a push with several changes queues one run per stack, tracked from its branch, and ignores the tag', () => {
    const routing = route(`${JENKINS}/BitbucketCloudPushEventTest-multipleChangesPayload.json`, [
      stack('temp', 'cloudbeers/temp', 'main'),
      stack('feature', 'cloudbeers/temp', 'elsewhere'),
    ]);
    assert.deepEqual(runsOf(routing), [
      ['temp', 'tracked', 'push', 'main', '325d37697849f4b1fe42cb19c20134af08e03a82'],
      // No change to its branch: one proposed run, from the last branch change of the push.
      ['feature', 'proposed', 'push', 'manchu', 'e22fcb49645b4586a845938afac5eb3ac1950586'],
    ]);
    assert.deepEqual(routing.stackIds, ['temp', 'feature']);
    assert.match(routing.reason, /tag v0\.1 ignored/);
  });

  it('a push of 10,000 branch changes queues one run per stack, with a bounded reason', () => {
    const changes = Array.from({ length: 10_000 }, (_, i) => ({
      new: { type: 'branch', name: i === 4_000 ? 'main' : `branch-${i}`, target: { hash: i.toString(16).padStart(40, '0') } },
      old: null,
      created: true,
      closed: false,
      forced: false,
      commits: [],
      truncated: false,
    }));
    const parsed = parseEvent('repo:push', { repository: { full_name: 'cloudbeers/temp' }, push: { changes } });
    assert.ok(parsed.ok);
    const stacks = Array.from({ length: 6 }, (_, i) => stack(`s${i}`, 'cloudbeers/temp', i === 0 ? 'main' : `none-${i}`));
    const routing = routeEvent(parsed.event, 'acme', stacks);
    assert.equal(routing.runs.length, 6);
    assert.deepEqual(routing.runs[0]?.commit, (4_000).toString(16).padStart(40, '0'));
    assert.ok(routing.reason.length < 2_000, `the reason is ${routing.reason.length} characters`);
  });

  it('R15: an empty push is ignored', () => {
    const routing = route(`${JENKINS}/BitbucketCloudPushEventTest-emptyPayload.json`, [stack('temp', 'cloudbeers/temp', 'main')]);
    assert.equal(routing.verdict, 'ignored');
  });

  it('R15: every attached stack on the repository is reached; stacks of other repositories and integrations are not', () => {
    const routing = route(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`, [
      stack('prod', 'cloudbeers/temp', 'main'),
      stack('staging', 'cloudbeers/temp', 'staging'),
      stack('other-repo', 'cloudbeers/other', 'main'),
      stack('other-integration', 'cloudbeers/temp', 'main', 'team'),
    ]);
    assert.deepEqual(runsOf(routing).map(([id, kind]) => [id, kind]), [
      ['prod', 'tracked'],
      ['staging', 'proposed'],
    ]);
  });

  it('R12, R15: detached stacks never get runs, and the reason says they were skipped', () => {
    const routing = route(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`, [stack('old', 'cloudbeers/temp', 'main', null, 'acme')]);
    assert.equal(routing.verdict, 'ignored');
    assert.deepEqual(routing.runs, []);
    assert.match(routing.reason, /no attached stack of acme uses cloudbeers\/temp; 1 detached stack \(old\) skipped/);
  });

  it('R15: pull requests created or updated propose a run at the source commit', () => {
    const stacks = [stack('atlantis', 'lkysow/atlantis-example', 'main')];
    assert.deepEqual(runsOf(route('atlantis/bitbucket-cloud-pull-event-created.json', stacks)), [
      ['atlantis', 'proposed', 'pullrequest', 'Luke/maintf-edited-online-with-bitbucket-1560433073473', '1e69a602caef'],
    ]);
    assert.deepEqual(runsOf(route('atlantis/bitbucket-cloud-pull-event-updated.json', stacks)), [['atlantis', 'proposed', 'pullrequest', 'example', '315f27602bd8']]);
    assert.deepEqual(runsOf(route(`${JENKINS}/pullrequest_created.json`, [stack('repos', 'amuniz/test-repos', 'master')])), [
      ['repos', 'proposed', 'pullrequest', 'feature/test', 'd31df3425c5b'],
    ]);
  });

  it('a pull request from a fork gets no run by default, and the delivery says why; a stack that allows forks gets one', () => {
    const fork = `${JENKINS}/BitbucketCloudPullRequestEventTest-createPayloadFork.json`;
    const routing = route(fork, [stack('temp', 'cloudbeers/temp', 'main')]);
    assert.equal(routing.verdict, 'ignored');
    assert.deepEqual(routing.runs, []);
    assert.equal(routing.reason, 'pull request #3 comes from a fork (stephenc/temp-fork): no run on temp, which does not allow forks');
    assert.deepEqual(runsOf(route(fork, [{ ...stack('temp', 'cloudbeers/temp', 'main'), allowForks: true }])), [['temp', 'proposed', 'pullrequest', 'main', '1c48041a96db']]);
  });

  describe('a pull request is from a fork unless the delivery proves otherwise', () => {
    // A pull request from `foo` into `main` within cloudbeers/temp, as Bitbucket sent it: both sides
    // name the repository with its UUID. Each case changes what the delivery says of the repositories.
    const ORIGIN = `${JENKINS}/BitbucketCloudPullRequestEventTest-createPayloadOrigin.json`;
    const UUID = '{708c9715-0ecc-4a5d-87ed-63c4ba48ea06}';
    const OTHER_UUID = '{f58c57d2-28b0-44f4-8c30-ea83e4825381}';
    type Side = { repository?: Record<string, unknown> | unknown };
    type Repository = Record<string, unknown>;
    type Body = { repository: Repository; pullrequest: { source: Side; destination: Side } };
    const named = (side: Side) => side.repository as Repository;
    const stacks = [stack('temp', 'cloudbeers/temp', 'main'), stack('foo', 'cloudbeers/temp', 'foo')];

    function routeChanged(change: (body: Body) => void, routed = stacks): Routing {
      const body = structuredClone(loadFixture(ORIGIN).json) as unknown as Body;
      change(body);
      const parsed = parseEvent('pullrequest:created', body as unknown as Record<string, unknown>);
      if (!parsed.ok) throw new Error(parsed.problem);
      return routeEvent(parsed.event, 'acme', routed);
    }
    const refusedBecause = (routing: Routing, why: RegExp) => {
      assert.equal(routing.verdict, 'ignored', routing.reason);
      assert.deepEqual(routing.runs, []);
      assert.match(routing.reason, why);
      // Only the destination reaches a stack: a fork's `foo` is not the stack's `foo`.
      assert.match(routing.reason, /no run on temp, which does not allow forks$/);
    };

    it('as sent (both sides the same UUID): not a fork, so the source branch reaches its stack too', () => {
      const routing = routeChanged(() => undefined);
      assert.deepEqual(runsOf(routing).map(([id]) => id), ['temp', 'foo']);
    });

    it('no source repository: a fork, refused', () => {
      refusedBecause(routeChanged((body) => delete body.pullrequest.source.repository), /^pull request #1 counts as coming from a fork \(the delivery names no source repository\)/);
    });

    it('"repository": null on the source (a deleted fork): a fork, refused', () => {
      refusedBecause(routeChanged((body) => (body.pullrequest.source.repository = null)), /counts as coming from a fork \(the delivery names no source repository\)/);
    });

    it('a source repository that cannot be read: a fork, refused', () => {
      for (const unreadable of ['cloudbeers/temp', { full_name: 42 }, { uuid: 'not-a-uuid', full_name: 'cloudbeers/temp' }, {}]) {
        refusedBecause(routeChanged((body) => (body.pullrequest.source.repository = unreadable)), /counts as coming from a fork \(its source repository cannot be read\)/);
      }
    });

    it('no destination repository: a fork, refused', () => {
      refusedBecause(routeChanged((body) => (body.pullrequest.destination.repository = null)), /counts as coming from a fork \(the delivery names no destination repository\)/);
    });

    it('the same name with another UUID: a fork, refused', () => {
      const routing = routeChanged((body) => (body.pullrequest.source.repository = { type: 'repository', full_name: 'cloudbeers/temp', uuid: OTHER_UUID }));
      refusedBecause(routing, /comes from a fork \(cloudbeers\/temp: another repository of that name, its UUID is not the destination's\)/);
    });

    it('the same repository named in another letter case, without UUIDs: not a fork', () => {
      const routing = routeChanged((body) => {
        for (const repository of [body.repository, named(body.pullrequest.source), named(body.pullrequest.destination)]) delete repository.uuid;
        named(body.pullrequest.source).full_name = 'CloudBeers/Temp';
      });
      assert.deepEqual(runsOf(routing).map(([id]) => id), ['temp', 'foo']);
    });

    it('the same UUID under another name (a renamed or moved repository): not a fork', () => {
      const routing = routeChanged((body) => (body.pullrequest.source.repository = { type: 'repository', full_name: 'cloudbeers/renamed', uuid: UUID.toUpperCase() }));
      assert.deepEqual(runsOf(routing).map(([id]) => id), ['temp', 'foo']);
      // Bitbucket's own example: Atlantis's test data names the source lkysow-fork/atlantis-example with the destination's UUID.
      assert.equal(route('atlantis/bitbucket-cloud-pull-event-created.json', [stack('atlantis', 'lkysow/atlantis-example', 'main')]).verdict, 'queued');
    });

    it('names without UUIDs that differ only by more than case: a fork, refused', () => {
      const routing = routeChanged((body) => {
        delete named(body.pullrequest.source).uuid;
        named(body.pullrequest.source).full_name = 'mallory/temp';
      });
      refusedBecause(routing, /comes from a fork \(mallory\/temp\)/);
    });

    it('a UUID on one side and no name on the other: cannot be compared, so a fork, refused', () => {
      const routing = routeChanged((body) => {
        body.pullrequest.source.repository = { uuid: UUID };
        delete named(body.pullrequest.destination).uuid;
      });
      refusedBecause(routing, /counts as coming from a fork \(its source \{708c9715-0ecc-4a5d-87ed-63c4ba48ea06\} cannot be compared with the destination cloudbeers\/temp/);
    });

    it('both sides one repository, but not the one the webhook is for: a fork, refused', () => {
      const routing = routeChanged((body) => {
        body.pullrequest.source.repository = { full_name: 'mallory/temp', uuid: OTHER_UUID };
        body.pullrequest.destination.repository = { full_name: 'mallory/temp', uuid: OTHER_UUID };
      });
      refusedBecause(routing, /counts as coming from a fork \(its destination mallory\/temp is not the repository the webhook is for\)/);
    });

    it('a stack that allows forks still gets its run when the source is missing', () => {
      const routing = routeChanged((body) => delete body.pullrequest.source.repository, [{ ...stack('temp', 'cloudbeers/temp', 'main'), allowForks: true }]);
      assert.deepEqual(runsOf(routing), [['temp', 'proposed', 'pullrequest', 'foo', 'a72355f35fde']]);
    });
  });

  it('a proposed run of a pull request knows the pull request, for its comment', () => {
    const routing = route('atlantis/bitbucket-cloud-pull-event-updated.json', [stack('atlantis', 'lkysow/atlantis-example', 'main')]);
    const body = loadFixture('atlantis/bitbucket-cloud-pull-event-updated.json').json as { pullrequest: { id: number } };
    assert.ok(routing.runs.length === 1);
    assert.equal(routing.runs[0]?.pullRequestId, body.pullrequest.id);
  });

  it('R15: merged, declined and commented pull requests are recorded and ignored', () => {
    const stacks = [stack('atlantis', 'lkysow/atlantis-example', 'main')];
    for (const [file, reason] of [
      ['bitbucket-cloud-pull-event-fulfilled.json', /#16 fulfilled: ignored, the merge pushes to the destination branch/],
      ['bitbucket-cloud-pull-event-rejected.json', /#13 rejected: ignored/],
      ['bitbucket-cloud-comment-event.json', /#2 comment_created: ignored, the comment is not a \/stackhook command/],
    ] as const) {
      const routing = route(`atlantis/${file}`, stacks);
      assert.equal(routing.verdict, 'ignored', file);
      assert.match(routing.reason, reason, file);
    }
    for (const event of ['pullrequest:approved', 'pullrequest:unapproved']) {
      const base = eventOf('atlantis/bitbucket-cloud-pull-event-updated.json');
      assert.ok(base.kind === 'pullrequest');
      const routing = routeEvent({ ...base, eventKey: event, action: event.split(':')[1] as string }, 'acme', stacks);
      assert.equal(routing.verdict, 'ignored', event);
    }
  });

  it('R15: a pull request reaches a stack by its destination, or by its source in the same repository only', () => {
    const main = [stack('temp', 'cloudbeers/temp', 'main')];
    // From a fork's `main` into `stable`: the fork's branch is not the stack's branch.
    const elsewhere = route(`${JENKINS}/BitbucketCloudPullRequestEventTest-updatePayload_newDestination.json`, main);
    assert.equal(elsewhere.verdict, 'ignored');
    assert.match(elsewhere.reason, /#3 \(main → stable\) reaches no stack on cloudbeers\/temp: they track main/);
    // From `foo` (same repository) into `main`: both a stack on main and one on foo are reached.
    const origin = route(`${JENKINS}/BitbucketCloudPullRequestEventTest-createPayloadOrigin.json`, [...main, stack('foo', 'cloudbeers/temp', 'foo')]);
    assert.deepEqual(runsOf(origin).map(([id]) => id), ['temp', 'foo']);
  });

  it('R15: events Stackhook does not act on are ignored with their key in the reason', () => {
    const routing = routeEvent({ kind: 'other', eventKey: 'repo:updated', repository: 'cloudbeers/temp' }, 'acme', [stack('temp', 'cloudbeers/temp', 'main')]);
    assert.equal(routing.verdict, 'ignored');
    assert.equal(routing.reason, 'repo:updated is not an event Stackhook acts on');
  });

  it('keeps reasons readable: control characters from the network are replaced', () => {
    const routing = routeEvent(
      { kind: 'push', eventKey: 'repo:push', repository: 'acme/net', changes: [{ type: 'branch', name: 'evil\nforged log line', commit: 'abc', oldCommit: null, deleted: false }] },
      'acme',
      [stack('net', 'acme/net', 'main')],
    );
    assert.doesNotMatch(routing.reason, /\n/);
  });
});
