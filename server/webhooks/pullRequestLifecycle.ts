// R25: what a pull request's life does to the runs it queued. New commits (`updated`) supersede its
// queued proposed runs on the stacks it reaches (they stop with "superseded by <commit>"), whether or
// not the new commits touch those stacks' trigger paths, since the old plan is of code that is gone;
// a declined pull request (`rejected`) stops its queued runs. Pure: the stops are actions, carried out
// once the delivery is recorded (deliveryActions.ts).
import type { StoredStack } from '../registry/state';
import type { DeliveryAction } from './deliveryActions';
import type { WebhookEvent } from './events';
import { shortCommit } from './printable';
import { routeEvent, type Routing } from './routing';

type RoutableStack = Pick<StoredStack, 'id' | 'name' | 'integrationId' | 'detachedFrom' | 'repository' | 'branch' | 'allowForks'>;

/** The stop actions the event calls for; `routed` is its routing before trigger paths filtered it. */
export function lifecycleActions(event: WebhookEvent, integrationId: string, stacks: readonly RoutableStack[], routed: Routing): DeliveryAction[] {
  if (event.kind !== 'pullrequest') return [];
  const pr = event.pullRequest;
  if (event.action === 'updated') {
    const stackIds = routed.runs.filter((run) => run.pullRequestId === pr.id).map((run) => run.stackId);
    return stackIds.length === 0 ? [] : [{ kind: 'stop-pull-request-runs', stop: { stackIds, pullRequestId: pr.id, summary: `superseded by ${shortCommit(pr.sourceCommit)}` } }];
  }
  if (event.action === 'rejected') {
    // The stacks it reached, as an update would have.
    const reached = routeEvent({ ...event, eventKey: 'pullrequest:updated', action: 'updated' }, integrationId, stacks);
    const stackIds = reached.runs.map((run) => run.stackId);
    return stackIds.length === 0 ? [] : [{ kind: 'stop-pull-request-runs', stop: { stackIds, pullRequestId: pr.id, summary: `pull request #${pr.id} was declined` } }];
  }
  return [];
}
