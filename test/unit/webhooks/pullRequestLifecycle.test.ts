// R25: a pull request's new commits supersede its queued proposed runs, and its decline stops them;
// only runs that have not started, of that pull request, on the stacks it reaches.
import { strict as assert } from 'node:assert';
import type { Run } from '../../../server/protocol';
import { endQueuedPullRequestRuns } from '../../../server/runs/pullRequestRuns';
import type { RunService } from '../../../server/runs/service';
import { parseEvent } from '../../../server/webhooks/events';
import { lifecycleActions } from '../../../server/webhooks/pullRequestLifecycle';
import { routeEvent } from '../../../server/webhooks/routing';
import { loadFixture } from './fixtures';

const stack = (id: string, branch = 'main') => ({ id, name: id, integrationId: 'acme', detachedFrom: null, repository: 'lkysow/atlantis-example', branch, allowForks: false });

function eventOf(file: string) {
  const parsed = parseEvent(file.includes('updated') ? 'pullrequest:updated' : 'pullrequest:rejected', loadFixture(`atlantis/${file}`).json);
  assert.ok(parsed.ok);
  return parsed.event;
}

describe('webhooks/pull request lifecycle (R25)', () => {
  it('R25: an update supersedes the pull request\'s queued runs on the stacks it reaches, naming the new commit', () => {
    const event = eventOf('bitbucket-cloud-pull-event-updated.json');
    const stacks = [stack('atlantis'), stack('other', 'release')];
    const actions = lifecycleActions(event, 'acme', stacks, routeEvent(event, 'acme', stacks));
    assert.deepEqual(actions, [{ kind: 'stop-pull-request-runs', stop: { stackIds: ['atlantis'], pullRequestId: 1, summary: 'superseded by 315f27602bd8' } }]);
  });

  it('R25: a declined pull request stops its queued runs', () => {
    const event = eventOf('bitbucket-cloud-pull-event-rejected.json');
    assert.ok(event.kind === 'pullrequest');
    const stacks = [stack('atlantis', event.pullRequest.destinationBranch)];
    const actions = lifecycleActions(event, 'acme', stacks, routeEvent(event, 'acme', stacks));
    assert.deepEqual(actions, [{ kind: 'stop-pull-request-runs', stop: { stackIds: ['atlantis'], pullRequestId: event.pullRequest.id, summary: `pull request #${event.pullRequest.id} was declined` } }]);
  });

  it('R25: only queued proposed runs of that pull request stop, never the runs the same delivery queued', async () => {
    const run = (id: string, overrides: Partial<Run>): { run: Run } => ({
      run: { id, stackId: 'net', kind: 'proposed', trigger: 'pullrequest', branch: 'feature', commit: 'a'.repeat(40), pullRequestId: 12, deliveryId: null, createdAt: '', state: 'queued', startedAt: null, endedAt: null, summary: null, externalUrl: null, runner: null, reports: { status: 'pending', comment: 'pending' }, ...overrides } as Run,
    });
    const open = [
      run('old', {}),
      run('new', {}),
      run('started', { state: 'running' }),
      run('other-pr', { pullRequestId: 13 }),
      run('tracked', { kind: 'tracked', pullRequestId: null }),
    ];
    const decided: [string, string, string | undefined][] = [];
    const execution = {
      book: { refresh: async () => undefined, openRunsOf: (stackId: string) => (stackId === 'net' ? open : []) },
      decide: async (runId: string, kind: string, _by?: string, summary?: string) => {
        decided.push([runId, kind, summary]);
        return open[0]?.run as Run;
      },
    } as unknown as RunService;
    const stopped = await endQueuedPullRequestRuns(execution, { stackIds: ['net'], pullRequestId: 12, keep: new Set(['new']), summary: 'superseded by 1e69a602caef' }, 'Stackhook');
    assert.equal(stopped, 1);
    assert.deepEqual(decided, [['old', 'cancel', 'stopped: superseded by 1e69a602caef']]);
  });
});
