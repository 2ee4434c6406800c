// What a delivery does once it is checked and routed: a list of actions, carried out in one place
// (act). Today a delivery can only queue runs. Pull request events will do more: a comment command,
// a decline that releases a stack's lock and discards its waiting runs, an approval that changes what
// may be applied. Each will be a variant of DeliveryAction that routing.ts returns, and a case in the
// switch below saying what is recorded with the delivery and what is done once it is; the switch is
// exhaustive, so a variant without its case does not compile. docs/design.md §3 shows the steps.
import type { DiffSpec } from '../bitbucket/gateway';
import type { QueuedRun, Run } from '../protocol';
import { queueRuns, type QueueHost, type Recording, type RunRequest } from '../runs/queue';

/** A run a delivery queues on a stack (R15). */
export interface PlannedRun {
  stackId: string;
  stackName: string;
  kind: Run['kind'];
  trigger: 'push' | 'pullrequest';
  branch: string;
  commit: string | null;
  /** The pull request that proposes the run, so its result can be commented there. */
  pullRequestId?: number;
  /** What changed, for the stack's trigger paths (triggerFilter.ts); null when the event cannot say. */
  diff?: DiffSpec | null;
  /** Why it runs, for the delivery log ("ran: envs/prod/main.tf and 2 more"). */
  note?: string;
}

export type DeliveryAction = { kind: 'queue-runs'; runs: readonly PlannedRun[] };

/**
 * Carries out a delivery's actions: `record` writes the delivery down with what its actions record
 * (the runs they queue, in the delivery's own line, R16), and only what it recorded is then done.
 * Answers what `record` answered.
 */
export function act<T>(
  host: QueueHost,
  actions: readonly DeliveryAction[],
  origin: { deliveryId: string; at: Date },
  record: (runs: QueuedRun[], owner: string | undefined) => Promise<Recording<T>>,
): Promise<T> {
  const runs: RunRequest[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'queue-runs':
        runs.push(...action.runs.map(runRequest));
        break;
      default:
        return unknownAction(action.kind);
    }
  }
  return queueRuns(host, runs, origin, record);
}

function runRequest(planned: PlannedRun): RunRequest {
  const { stackId, kind, trigger, branch, commit, pullRequestId } = planned;
  return { stackId, kind, trigger, branch, commit, ...(pullRequestId !== undefined ? { pullRequestId } : {}) };
}

function unknownAction(kind: never): never {
  throw new Error(`The delivery action ${String(kind)} has no case in act().`);
}
