// The fold of the run-events log (store/runEvents.ts): a run as it stands is its queued record with
// every event for it folded in, in log order. Every process reads the same lines in the same order, so
// the fold is also where compare-and-set happens: an event that does not hold on the run as it stands
// at its place in the log (an owner whose claim was taken over, a second decision, a change to an
// ended run) is read by everyone and applied by no one. Whoever appends learns from the fold whether
// its event counted, and acts only if it did.
import { FINAL_RUN_STATES, type DriftResult, type QueuedRun, type Run, type RunState } from '../protocol';
import type { DecisionKind, RunEvent } from '../store/runEvents';
import { heldByPolicy } from './policyGate';

/** A run and what only the server needs to know about it. */
export interface RunRecord {
  run: Run;
  /** The process whose claim is current (or that recorded the delivery that queued it), if any. */
  owner: string | null;
  /** How many claims the run has had: the current owner's changes carry this number. */
  fence: number;
  /** The process that queued it (a delivery's recorder, or whoever asked for a manual run). */
  origin: string | null;
  /** Where the run stands in its stack's queue, once the stack's lock holder admitted it. */
  position: number | null;
  pipelineUuid: string | null;
  /** What a `pipelines` run's callbacks are accepted for now (runs/runCallbacks.ts): the token's hash and phase. */
  callback: NonNullable<RunEvent['callback']> | null;
  processGroup: number | null;
  statusPosted: boolean;
  commentId: number | null;
  /** Confirm or Discard of an unconfirmed run, once decided (the first in the log). */
  decision: { kind: 'confirm' | 'discard'; by: string | null } | null;
  /** A Cancel of a run under way, once asked: its owner stops it. */
  stop: { by: string | null } | null;
  /** When the run's plan was ready for a Confirm (it went `unconfirmed`). */
  plannedAt: string | null;
  /** When the run started to apply (its `apply` step was recorded): a plan made before that is stale. */
  appliedAt: string | null;
  /** What a drift check found, once it ended (R26). */
  drift: DriftResult | null;
}

/** A run as queued, before any event; `origin` is the process that queued it. */
export function queuedRecord(stored: QueuedRun & { queuedBy?: string }, origin: string | null = null): RunRecord {
  // Who queued it is the server's to know, not part of the run a client sees.
  const { queuedBy: _queuedBy, ...queued } = stored;
  return {
    run: {
      ...queued,
      pullRequestId: queued.pullRequestId ?? null,
      state: 'queued',
      startedAt: null,
      endedAt: null,
      summary: null,
      externalUrl: null,
      runner: null,
      reports: { status: 'pending', comment: 'pending' },
      plan: null,
    },
    owner: origin,
    fence: 0,
    origin,
    position: null,
    pipelineUuid: null,
    callback: null,
    processGroup: null,
    statusPosted: false,
    commentId: null,
    decision: null,
    stop: null,
    plannedAt: null,
    appliedAt: null,
    drift: null,
  };
}

export function isFinal(run: Pick<Run, 'state'>): boolean {
  return FINAL_RUN_STATES.includes(run.state);
}

/** What the fold made of one event: the record after it, and whether the event counted. */
export interface Folded {
  record: RunRecord;
  accepted: boolean;
}

/** Folds one event into a run. `nextPosition` hands out queue positions in log order. */
export function applyEvent(record: RunRecord, event: RunEvent, nextPosition: () => number): Folded {
  const refused = { record, accepted: false };
  if (event.admit) {
    return record.position === null ? { record: { ...record, position: nextPosition() }, accepted: true } : refused;
  }
  if (event.owner !== undefined) return claimed(record, event) ?? refused;
  if (event.acknowledge !== undefined) return acknowledged(record, event, event.acknowledge.reason) ?? refused;
  const decision = event.decision ?? event.request;
  if (decision !== undefined) return decided(record, event, decision) ?? refused;
  return ownersChange(record, event) ?? refused;
}

/** R31: an acknowledgement counts once, for a run a policy holds that has not ended and is not being stopped. */
function acknowledged(record: RunRecord, event: RunEvent, reason: string): Folded | null {
  const { run } = record;
  if (isFinal(run) || record.stop !== null || !run.policy || !heldByPolicy(run)) return null;
  const policy = { ...run.policy, acknowledged: { by: event.by ?? 'unknown', at: event.at, reason } };
  return { record: { ...record, run: { ...run, policy } }, accepted: true };
}

/** A claim counts when the run has not ended and it names the next fence (lines of older servers: whatever it was). */
function claimed(record: RunRecord, event: RunEvent): Folded | null {
  if (isFinal(record.run)) return null;
  const fence = event.fence ?? record.fence + 1;
  if (fence !== record.fence + 1) return null;
  return { record: { ...record, owner: event.owner ?? null, fence }, accepted: true };
}

/**
 * Decided once: Confirm or Discard of an unconfirmed run, the first of them (or of a Cancel) wins.
 * A Cancel of a run that has not started, or that waits undecided, ends it here, in the log, so no
 * owner can start it afterwards; a Cancel of a run under way asks its owner to stop it.
 */
function decided(record: RunRecord, event: RunEvent, kind: DecisionKind): Folded | null {
  const { run } = record;
  if (isFinal(run) || record.stop !== null) return null;
  const by = event.by ?? null;
  const ended = (state: 'stopped' | 'discarded', summary: string): Folded => ({
    record: { ...record, run: { ...run, state, endedAt: event.at, summary: event.summary ?? summary }, stop: kind === 'cancel' ? { by } : record.stop, decision: kind === 'discard' ? { kind, by } : record.decision },
    accepted: true,
  });
  if (kind === 'cancel') {
    if (run.state === 'queued') return ended('stopped', 'cancelled before it started');
    if (run.state === 'unconfirmed' && record.decision === null) return ended('stopped', 'cancelled while waiting for confirmation');
    return { record: { ...record, stop: { by } }, accepted: true };
  }
  // A queued run may be discarded too (its stack was detached, R12): nothing of it ran.
  if (kind === 'discard' && run.state === 'queued') return ended('discarded', 'discarded before it started');
  if (run.state !== 'unconfirmed' || record.decision !== null) return null;
  if (kind === 'discard') return ended('discarded', run.summary ? `discarded: ${run.summary}` : 'discarded');
  // R31: a plan a policy denies is confirmed only once acknowledged.
  if (heldByPolicy(run)) return null;
  return { record: { ...record, decision: { kind: 'confirm', by } }, accepted: true };
}

/** States an owner may move a run to, from where it stands. */
const NEXT_STATES: Record<RunState, readonly RunState[]> = {
  queued: ['preparing', 'running', 'failed', 'stopped'],
  preparing: ['running', 'failed', 'stopped', 'finished'],
  running: ['unconfirmed', 'applying', 'finished', 'failed', 'stopped'],
  unconfirmed: ['applying', 'finished', 'failed', 'stopped', 'discarded'],
  applying: ['finished', 'failed', 'stopped'],
  finished: [],
  failed: [],
  stopped: [],
  discarded: [],
};

/**
 * An owner's change counts only under the run's current claim. An ended run takes nothing but what
 * its reports did; a run being stopped takes no step forward but its end; an apply needs a Confirm
 * (or a run that never waited: autodeploy).
 */
function ownersChange(record: RunRecord, event: RunEvent): Folded | null {
  const legacy = event.fence === undefined;
  if (!legacy && event.fence !== record.fence) return null;
  const { run } = record;
  const final = isFinal(run);
  if (final && (event.state !== undefined || event.step !== undefined || event.summary !== undefined || event.endedAt !== undefined)) return null;
  if (!legacy && event.state !== undefined && event.state !== run.state) {
    if (!NEXT_STATES[run.state].includes(event.state)) return null;
    const ending = FINAL_RUN_STATES.includes(event.state);
    if (record.stop !== null && !ending) return null;
    if (event.state === 'applying' && run.state === 'unconfirmed' && record.decision?.kind !== 'confirm') return null;
    // R31: nothing applies a plan a policy denies until it is acknowledged, autodeploy included.
    if (event.state === 'applying' && heldByPolicy({ policy: event.policy ?? run.policy })) return null;
    if (event.state === 'discarded' && record.decision?.kind !== 'discard') return null;
  }
  if (!legacy && event.step !== undefined) {
    if (record.stop !== null) return null;
    if (event.step === 'apply' && (event.state ?? run.state) !== 'applying') return null;
  }
  const next = { ...run };
  if (event.state !== undefined) next.state = event.state;
  if (event.commit !== undefined) next.commit = event.commit;
  if (event.startedAt !== undefined) next.startedAt = event.startedAt;
  if (event.endedAt !== undefined) next.endedAt = event.endedAt;
  if (event.summary !== undefined) next.summary = event.summary;
  if (event.externalUrl !== undefined) next.externalUrl = event.externalUrl;
  if (event.runner !== undefined) next.runner = event.runner;
  if (event.reports !== undefined) next.reports = { ...next.reports, ...event.reports };
  if (event.plan !== undefined) next.plan = event.plan;
  if (event.toolVersion !== undefined) next.toolVersion = event.toolVersion;
  if (event.progress !== undefined) next.progress = event.progress === '' ? null : event.progress;
  if (event.policy !== undefined) next.policy = event.policy;
  return {
    record: {
      ...record,
      run: next,
      // A new phase's callbacks (the apply) come with a pipeline of their own: the plan's is done with.
      pipelineUuid: event.pipelineUuid ?? (event.callback !== undefined && event.callback.phase !== record.callback?.phase ? null : record.pipelineUuid),
      callback: event.callback ?? record.callback,
      processGroup: event.processGroup ?? record.processGroup,
      statusPosted: record.statusPosted || event.statusPosted === true,
      commentId: event.commentId ?? record.commentId,
      plannedAt: event.state === 'unconfirmed' && run.state !== 'unconfirmed' ? event.at : record.plannedAt,
      appliedAt: event.step === 'apply' ? event.at : record.appliedAt,
      drift: event.drift ?? record.drift,
    },
    accepted: true,
  };
}
