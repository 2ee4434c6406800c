// What a delivery does once it is checked and routed: a list of actions, carried out in one place
// (act). A delivery queues runs, a `/stackhook` comment may be answered by a reply (R24), and a
// pull request's new commits or its decline stop its queued runs (R25). Pull request events will do
// more: a decline that releases a stack's lock, an approval that changes what may be applied. Each is a variant of DeliveryAction that
// routing returns, and a case in the switch below saying what is recorded with the delivery and what
// is done once it is; the switch is exhaustive, so a variant without its case does not compile.
// docs/design.md §3 shows the steps.
import type { BitbucketGateway, DiffSpec } from '../bitbucket/gateway';
import { describeError } from '../errors';
import type { Logger } from '../log';
import type { QueuedRun, Run } from '../protocol';
import type { StoredIntegration } from '../registry/state';
import { credentialOf, type CredentialStore } from '../secrets/credentialStore';
import { endQueuedPullRequestRuns, type PullRequestRunsEnd } from '../runs/pullRequestRuns';
import { queueRuns, type QueueHost, type Recording, type RunRequest } from '../runs/queue';
import type { RunService } from '../runs/service';
import { printable } from './printable';

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

/** A reply to a pull request comment: what a refused or answered `/stackhook` command says back, once (R24). */
export interface CommentReply {
  integration: StoredIntegration;
  repository: string;
  pullRequestId: number;
  commentId: number;
  markdown: string;
}

/** R25: what a pull request's new commits or its decline end: its queued proposed runs on these stacks. */
export interface PullRequestRunsStop {
  stackIds: readonly string[];
  pullRequestId: number;
  /** In the stopped runs' summary: "superseded by 1e69a602caef". */
  summary: string;
}

export type DeliveryAction =
  | { kind: 'queue-runs'; runs: readonly PlannedRun[] }
  | { kind: 'reply'; reply: CommentReply }
  | { kind: 'stop-pull-request-runs'; stop: PullRequestRunsStop };

/** What carrying out actions needs beyond queueing: Bitbucket, with the integration's credential, for replies. */
export interface DeliveryHost extends QueueHost {
  readonly bitbucket: BitbucketGateway;
  readonly credentials: CredentialStore;
  readonly log: Logger;
}

/**
 * Carries out a delivery's actions: `record` writes the delivery down with what its actions record
 * (the runs they queue, in the delivery's own line, R16), and only what it recorded is then done: a
 * reply is posted by the attempt that recorded the delivery, so a retry never answers twice.
 * Answers what `record` answered.
 */
export async function act<T>(
  host: DeliveryHost,
  actions: readonly DeliveryAction[],
  origin: { deliveryId: string; at: Date },
  record: (runs: QueuedRun[], owner: string | undefined) => Promise<Recording<T>>,
): Promise<T> {
  const runs: RunRequest[] = [];
  const replies: CommentReply[] = [];
  const stops: PullRequestRunsStop[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'queue-runs':
        runs.push(...action.runs.map(runRequest));
        break;
      case 'reply':
        replies.push(action.reply);
        break;
      case 'stop-pull-request-runs':
        stops.push(action.stop);
        break;
      default:
        return unknownAction(action);
    }
  }
  let recorded = false;
  let queuedIds = new Set<string>();
  const result = await queueRuns(host, runs, origin, async (queued, owner) => {
    const recording = await record(queued, owner);
    recorded = recording.changed !== null;
    queuedIds = new Set(queued.map((run) => run.id));
    return recording;
  });
  // After the answer's record, not before it: Bitbucket's 10 s are for the record, and a reply that fails is logged, not retried.
  if (recorded) for (const reply of replies) void postReply(host, reply);
  if (recorded && host.execution) {
    for (const stop of stops) void stopRuns(host, host.execution, { ...stop, keep: queuedIds });
  }
  return result;
}

async function stopRuns(host: DeliveryHost, execution: RunService, end: PullRequestRunsEnd): Promise<void> {
  try {
    const stopped = await endQueuedPullRequestRuns(execution, end, 'Stackhook');
    if (stopped > 0) host.changed(['runs']);
  } catch (error) {
    host.log.warn(`Could not stop the queued runs of pull request #${end.pullRequestId}: ${describeError(error)}`);
  }
}

async function postReply(host: DeliveryHost, reply: CommentReply): Promise<void> {
  try {
    const credential = await credentialOf(host.credentials, reply.integration);
    await host.bitbucket.replyToPullRequestComment(credential, reply.repository, reply.pullRequestId, reply.commentId, reply.markdown, {});
  } catch (error) {
    host.log.warn(`Could not reply to comment ${reply.commentId} on pull request #${reply.pullRequestId} of ${printable(reply.repository)}: ${describeError(error)}`);
  }
}

function runRequest(planned: PlannedRun): RunRequest {
  const { stackId, kind, trigger, branch, commit, pullRequestId } = planned;
  return { stackId, kind, trigger, branch, commit, ...(pullRequestId !== undefined ? { pullRequestId } : {}) };
}

function unknownAction(action: never): never {
  throw new Error(`The delivery action ${JSON.stringify(action)} has no case in act().`);
}
