// R15: what a verified delivery does to the stacks (its actions: today, the runs it queues), and why.
// A pure function of the event and the stacks, so every routing decision can be tested without a
// network or a store.
//
// Which pull request events propose runs: `created` and `updated` (new commits or a new destination)
// bring code that has not been planned against the stack, so they propose a run. The others are
// recorded and ignored: `fulfilled` (merged) is followed by Bitbucket's `repo:push` to the
// destination branch, which queues the tracked run, so proposing here would only plan twice;
// `rejected` (declined) leaves nothing to plan (its queued runs stop, pullRequestLifecycle.ts);
// `approved`, `unapproved` and comment edits change no code, and a new comment acts only as a
// `/stackhook` command (commentCommands.ts, R24). A pull request reaches a stack when its
// destination branch is the stack's branch, or when its source branch is the stack's branch in the
// same repository (a fork's branch of the same name is not the stack's branch). Whether it comes from a fork is decided where the body is read
// (pullRequestOrigin.ts): from a fork unless the delivery proves otherwise.
import type { StoredStack } from '../registry/state';
import type { DeliveryAction, PlannedRun } from './deliveryActions';
import type { PullRequestEvent, PushChangeEvent, WebhookEvent } from './events';
import { printable, shortCommit } from './printable';

export const PROPOSING_PULL_REQUEST_ACTIONS: ReadonlySet<string> = new Set(['created', 'updated']);

const IGNORED_PULL_REQUEST_ACTIONS: Readonly<Record<string, string>> = {
  fulfilled: 'the merge pushes to the destination branch, and that push queues the tracked run',
  rejected: 'a declined pull request leaves nothing to plan',
  approved: 'approvals change no code',
  unapproved: 'approvals change no code',
  comment_created: 'the comment is not a /stackhook command',
  comment_updated: 'an edited comment is never a command (only new comments are)',
  comment_deleted: 'comments change no code',
};

export interface Routing {
  verdict: 'queued' | 'ignored';
  /** For a person reading the delivery log: "tracked run on prod-network (main @ 501bf5b99365)". */
  reason: string;
  /** What the delivery does (deliveryActions.ts carries it out). */
  actions: DeliveryAction[];
  /** The runs its actions queue, one per stack at most. */
  runs: PlannedRun[];
  stackIds: string[];
  /** What else the reason says (forks refused, tags ignored), so a routing can be told again with fewer runs. */
  notes: string[];
}

type RoutableStack = Pick<StoredStack, 'id' | 'name' | 'integrationId' | 'detachedFrom' | 'repository' | 'branch' | 'allowForks'>;

export function routeEvent(event: WebhookEvent, integrationId: string, stacks: readonly RoutableStack[]): Routing {
  if (event.kind === 'other') {
    return ignored(`${printable(event.eventKey)} is not an event Stackhook acts on`);
  }
  const repository = event.repository.toLowerCase();
  const onRepository = (stack: RoutableStack) => stack.repository.toLowerCase() === repository;
  // Detached stacks have no integration (R12), so they can never be among these.
  const attached = stacks.filter((stack) => stack.integrationId === integrationId && onRepository(stack));
  const detached = stacks.filter((stack) => stack.integrationId === null && stack.detachedFrom === integrationId && onRepository(stack));
  const detachedNote =
    detached.length === 0
      ? ''
      : `; ${detached.length} detached stack${detached.length === 1 ? '' : 's'} (${names(detached)}) skipped: reattach to receive webhooks`;

  if (event.kind === 'pullrequest' && !PROPOSING_PULL_REQUEST_ACTIONS.has(event.action)) {
    const why = IGNORED_PULL_REQUEST_ACTIONS[event.action] ?? 'this pull request event does not start runs';
    return ignored(`pull request #${event.pullRequest.id} ${printable(event.action, 40)}: ignored, ${why}`);
  }
  if (attached.length === 0) {
    return ignored(`no attached stack of ${printable(integrationId)} uses ${printable(event.repository)}${detachedNote}`);
  }
  const routing = event.kind === 'push' ? routePush(event.changes, attached) : routePullRequest(event.pullRequest, event.repository, attached);
  return { ...routing, reason: `${routing.reason}${detachedNote}` };
}

/**
 * One run per stack per delivery, however many changes the push carries (a push of thousands of
 * branches must not queue thousands of runs per stack): a tracked run from the last change to the
 * stack's branch, else a proposed run from the last change to any other branch.
 */
function routePush(changes: readonly PushChangeEvent[], stacks: readonly RoutableStack[]): Routing {
  const skipped: string[] = [];
  const lastByBranch = new Map<string, PushChangeEvent>();
  let lastBranchChange: PushChangeEvent | null = null;
  for (const change of changes) {
    if (change.deleted) {
      skipped.push(`${change.name ? `deletion of ${printable(change.name, 60)}` : 'a deletion'} ignored`);
      continue;
    }
    if (change.type !== 'branch') {
      skipped.push(`${change.type === 'tag' ? 'tag' : printable(change.type ?? 'ref', 20)} ${printable(change.name, 60)} ignored`);
      continue;
    }
    lastByBranch.set(change.name, change);
    lastBranchChange = change;
  }
  const runs: PlannedRun[] = [];
  for (const stack of stacks) {
    const change = lastByBranch.get(stack.branch) ?? lastBranchChange;
    if (!change) continue;
    runs.push({
      stackId: stack.id,
      stackName: stack.name,
      kind: change.name === stack.branch ? 'tracked' : 'proposed',
      trigger: 'push',
      branch: change.name,
      commit: change.commit,
      diff: pushDiff(change, stack.branch),
    });
  }
  const others = lastByBranch.size - runs.filter((run) => run.kind === 'tracked').length;
  if (runs.length > 0 && others > 1) skipped.push(`${others} branches changed: one run per stack, from the last change`);
  if (runs.length === 0) {
    return ignored(changes.length === 0 ? 'push with no changes ignored' : summarise(skipped));
  }
  return queued(runs, skipped);
}

function routePullRequest(pr: PullRequestEvent, repository: string, stacks: readonly RoutableStack[]): Routing {
  // A fork's branch of the same name is not the stack's branch: only the destination reaches a stack then.
  const sameRepository = !pr.origin.fork;
  const reached = stacks.filter((stack) => pr.destinationBranch === stack.branch || (sameRepository && pr.sourceBranch === stack.branch));
  if (reached.length === 0) {
    const tracked = [...new Set(stacks.map((stack) => printable(stack.branch, 60)))].join(', ');
    return ignored(
      `pull request #${pr.id} (${printable(pr.sourceBranch, 60)} → ${printable(pr.destinationBranch, 60)}) reaches no stack on ${printable(repository)}: they track ${tracked}`,
    );
  }
  // Code from outside the repository runs only where the stack says so: not on someone's machine or pipeline minutes by default.
  const refused = pr.origin.fork ? reached.filter((stack) => stack.allowForks !== true) : [];
  const runnable = reached.filter((stack) => !refused.includes(stack));
  const forkNote =
    pr.origin.fork && refused.length > 0
      ? [`pull request #${pr.id} ${pr.origin.reason}: no run on ${names(refused)}, which ${refused.length === 1 ? 'does' : 'do'} not allow forks`]
      : [];
  if (runnable.length === 0) return ignored(forkNote[0] as string);
  return queued(
    runnable.map((stack) => ({
      stackId: stack.id,
      stackName: stack.name,
      kind: 'proposed' as const,
      trigger: 'pullrequest' as const,
      branch: pr.sourceBranch,
      commit: pr.sourceCommit,
      pullRequestId: pr.id,
      // What the pull request changes: its source from the merge base with the destination, as Bitbucket's own diffstat of it.
      diff: pr.sourceCommit === null ? null : { source: pr.sourceCommit, destination: pr.destinationCommit ?? pr.destinationBranch, topic: true },
    })),
    forkNote,
  );
}

/**
 * What a push change changed: the old and new commits of the ref as a plain two-way diff (a force
 * push included); a new branch from where it left the stack's branch.
 */
function pushDiff(change: PushChangeEvent, stackBranch: string): PlannedRun['diff'] {
  if (change.commit === null) return null;
  if (change.oldCommit !== null) return { source: change.commit, destination: change.oldCommit, topic: false };
  if (change.name === stackBranch) return { source: change.commit, destination: null, topic: false };
  return { source: change.commit, destination: stackBranch, topic: true };
}

/** A routing that queues `runs`; `keep` is how many parts the reason names before "and N more". */
export function queued(runs: PlannedRun[], notes: string[], keep = 4): Routing {
  const described = runs.map((run) => `${run.kind} run on ${printable(run.stackName, 60)} (${printable(run.branch, 60)} @ ${shortCommit(run.commit)})${run.note ? `, ${run.note}` : ''}`);
  return {
    verdict: 'queued',
    reason: summarise([...described, ...notes], keep),
    actions: [{ kind: 'queue-runs', runs }],
    runs,
    stackIds: [...new Set(runs.map((run) => run.stackId))],
    notes,
  };
}

export function ignored(reason: string): Routing {
  return { verdict: 'ignored', reason, actions: [], runs: [], stackIds: [], notes: [] };
}

/** Keeps a reason readable when a push carries many changes. */
export function summarise(parts: readonly string[], keep = 4, separator = '; '): string {
  if (parts.length <= keep) return parts.join(separator);
  return `${parts.slice(0, keep).join(separator)}${separator}and ${parts.length - keep} more`;
}

function names(stacks: readonly RoutableStack[]): string {
  return summarise(stacks.map((stack) => printable(stack.name, 60)), 3, ', ');
}
