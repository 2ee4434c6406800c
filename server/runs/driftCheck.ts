// A drift check as a run (R26–R28): the runner kind's refresh-only plan (never applied), its result
// recorded on the run under the claim, whether the stack became drifted with it (the last check was
// not drifted, or found other resources: people are told once, R29), and, for a stack whose
// `reconcile` is `propose`, once it became drifted, one tracked run queued to plan the way back,
// which waits for Confirm.
import type { DriftResult, Runner } from '../protocol';
import { driftSettingsOf } from '../registry/state';
import type { Execution, Outcome } from './execution';
import type { RunRecord } from './runEvent';
import { isFinal } from './runEvent';
import type { RunBook } from './runBook';
import type { RunRequest } from './queue';
import { runnerKindOf } from './runners/runnerKinds';

/** What a drift check needs of the engine: the book, this machine's local slots, and how to queue a run. */
export interface DriftCheckDeps {
  readonly book: RunBook;
  readonly slot: <T>(work: () => Promise<T>) => Promise<T>;
  readonly queue?: ((request: RunRequest) => Promise<unknown>) | undefined;
}

export async function checkDrift(deps: DriftCheckDeps, execution: Execution, runner: Runner): Promise<Outcome> {
  const kind = runnerKindOf(runner);
  const check = kind.checkDrift;
  const outcome = check
    ? await (kind.takesLocalSlot ? deps.slot(() => check(execution, runner)) : check(execution, runner))
    : {
        result: { state: 'unknown' as const, resources: [], count: 0, reason: `the ${runner.type} runner does not check drift yet: give the stack the local runner to check it`, truncated: false },
        summary: `drift unknown: the ${runner.type} runner does not check drift yet`,
        stopped: false,
      };
  const previous = deps.book.lastDriftOf(execution.stack.id);
  const result: DriftResult = { ...outcome.result, newlyDrifted: becameDrifted(previous?.run.id === execution.runId ? null : previous, outcome.result) };
  if (!outcome.stopped) await execution.advance({ drift: result });
  // Proposed once per drift, when the stack becomes drifted: a proposal Discarded is not made again every slot.
  if (result.newlyDrifted && driftSettingsOf(execution.stack).reconcile === 'propose') await proposeReconcile(deps, execution);
  if (outcome.stopped) return { state: 'stopped', summary: 'stopped' };
  return { state: result.state === 'unknown' ? 'failed' : 'finished', summary: outcome.summary };
}

/** Drifted now, and the check before was not, or found other resources drifted. */
export function becameDrifted(previous: RunRecord | null, now: Pick<DriftResult, 'state' | 'resources'>): boolean {
  if (now.state !== 'drifted') return false;
  const before = previous?.drift;
  if (!before || before.state !== 'drifted') return true;
  const addresses = (result: Pick<DriftResult, 'resources'>) => result.resources.map((resource) => resource.address).sort().join('\n');
  return addresses(before) !== addresses(now);
}

/** One reconcile run at a time: none is queued while one the drift checks proposed has not ended. */
async function proposeReconcile(deps: DriftCheckDeps, execution: Execution): Promise<void> {
  const { stack } = execution;
  if (!deps.queue) return;
  const waiting = deps.book.openRunsOf(stack.id).some((record) => record.run.kind === 'tracked' && record.run.trigger === 'drift' && !isFinal(record.run));
  if (waiting) {
    await execution.write('A run to reconcile this drift is already queued or waiting for Confirm: no other is queued.\n');
    return;
  }
  await deps.queue({ stackId: stack.id, kind: 'tracked', trigger: 'drift', branch: stack.branch, commit: null, pullRequestId: null });
  await execution.write('Queued a tracked run that plans the way back to the configuration; it waits for Confirm (reconcile: propose).\n');
}
