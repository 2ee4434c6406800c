// Executes runs. A stack's runs go one at a time, in the order its queue holds them, across every
// process and replica on the store: a process works through a stack only while it holds the stack's
// lock (StackLocks, kept by the store), and runs each run under a claim whose fence the store checks
// at every step. A process runs the runs it queued (it holds their credential); another's only once
// that process died. Every process looks every few seconds for stacks with runs to take, so what a
// dead process left is taken over whichever process is still up.
import pLimit from 'p-limit';
import { conflict, describeError, notFound } from '../errors';
import type { QueuedRun, Run } from '../protocol';
import type { StackLease, StackLocks } from '../store/storeEngine';
import { THIS_PROCESS } from '../store/processIdentity';
import { PLAN_KEPT_MS, sweepPlanFiles } from './planFiles';
import type { RunBook } from './runBook';
import type { RunRequest } from './queue';
import type { DecisionKind } from '../store/runEvents';
import { isFinal, type RunRecord } from './runEvent';
import { refuseHeldConfirm } from './policyGate';
import { abort, executeRun, type ActiveRun, type ExecutionDeps } from './runExecution';
import type { RunHost, RunService } from './service';
import type { RunSettings } from './settings';

/** Consecutive claims of a stack's next run that may fail before the stack is left to the next look. */
const CLAIM_ATTEMPTS = 3;
/** How often every process looks for stacks with runs to take (its own, and those a dead process left). */
export const LOOK_EVERY_MS = 2_000;

/** How often old plan files are swept away (each is kept at most PLAN_KEPT_MS). */
const SWEEP_EVERY_MS = 60 * 60_000;

export class RunEngine implements RunService {
  readonly owner = THIS_PROCESS;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly driftLimit: ReturnType<typeof pLimit>;
  /** Stacks this process works through now (it holds or is taking their lock). */
  private readonly working = new Map<string, Promise<void>>();
  /** Stacks asked about while being worked through: looked at again before their lock is let go. */
  private readonly again = new Set<string>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly pending = new Set<Promise<void>>();
  private readonly deps: ExecutionDeps;

  constructor(
    private readonly context: RunHost,
    readonly book: RunBook,
    readonly settings: RunSettings,
    /** The web origin of Bitbucket (`https://bitbucket.org`), for links to pipelines. */
    webOrigin: string,
    private readonly locks: StackLocks,
    /** Queues a run as a person's request would: start-up hands in the operations' own (a reconcile run, R28). */
    queue?: (request: RunRequest) => Promise<unknown>,
  ) {
    this.limit = pLimit(settings.concurrency);
    this.driftLimit = pLimit(settings.driftConcurrency);
    this.deps = { context, book, settings, webOrigin, runLink: runLinkOf, slot: (work) => this.limit(work), driftSlot: (work) => this.driftLimit(work), queue };
  }

  /** Runs this process queued: their stacks are worked through if no other process does. Returns at once. */
  start(runs: readonly QueuedRun[]): void {
    for (const stackId of new Set(runs.map((run) => run.stackId))) this.poke(stackId);
  }

  /** Waits for everything in flight (tests, a clean shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Looks for stacks with runs this process may take: its own, or those of a process that died (a
   * pipeline is followed again, a local run cut off is marked interrupted). Called at start and then
   * every few seconds.
   */
  async recover(): Promise<void> {
    await this.book.refresh();
    for (const stackId of this.book.stacksWithOpenRuns()) {
      if (this.working.has(stackId)) continue;
      const head = this.book.openRunsOf(stackId)[0];
      if (head && this.mayTake(head)) this.poke(stackId);
    }
  }

  /** Looks for runs to take now and every LOOK_EVERY_MS, until the returned function is called. */
  lookOut(): () => void {
    const look = () => void this.recover().catch((error: unknown) => this.context.log.warn(`Looking for runs to take failed: ${describeError(error)}`));
    look();
    const timer = setInterval(look, LOOK_EVERY_MS);
    timer.unref();
    // Plan files and documents a run left behind (a crash) never outlive PLAN_KEPT_MS: swept now and hourly.
    const sweep = () =>
      void sweepPlanFiles(this.book.folder, this.context.now()).then(
        (removed) => (removed > 0 ? this.context.log.info(`Removed ${removed} plan file(s) older than ${PLAN_KEPT_MS / 3_600_000} h.`) : undefined),
        (error: unknown) => this.context.log.warn(`Removing old plan files failed: ${describeError(error)}`),
      );
    sweep();
    const sweeper = setInterval(sweep, SWEEP_EVERY_MS);
    sweeper.unref();
    return () => {
      clearInterval(timer);
      clearInterval(sweeper);
    };
  }

  cancel(runId: string): Promise<Run> {
    return this.decide(runId, 'cancel');
  }

  confirm(runId: string): Promise<Run> {
    return this.decide(runId, 'confirm');
  }

  discard(runId: string): Promise<Run> {
    return this.decide(runId, 'discard');
  }

  /**
   * Confirm, Discard and Cancel are decided once, in the store: the request is recorded, and the run
   * as every process reads it says whether it counted. An answer of success means it did; otherwise
   * the answer is Conflict, with the state the run is in.
   */
  async decide(runId: string, kind: DecisionKind, by = this.context.user, summary?: string): Promise<Run> {
    await this.book.refresh();
    const record = this.book.record(runId);
    if (!record) throw notFound(`There is no run "${runId}".`);
    refuseEarly(record, kind);
    const written = await this.book.write(runId, { decision: kind, by, ...(summary !== undefined ? { summary } : {}) });
    const now = written.record ?? record;
    if (!written.accepted) throw conflict(conflictMessage(now, kind), { state: now.run.state });
    // The owner looks every second; when it is this process, it hears at once.
    const active = this.active.get(runId);
    if (active) {
      if (kind === 'cancel') abort(active, 'stop');
      else active.decide?.(kind);
    }
    return now.run;
  }

  /** Whether this process should try to take the stack whose next run is `head`. */
  private mayTake(head: RunRecord): boolean {
    const holder = head.fence > 0 ? head.owner : head.origin;
    // Its claimant or the process that queued it is alive elsewhere: that process runs it.
    return holder === null || holder === THIS_PROCESS || !this.book.ownerAlive(holder);
  }

  private poke(stackId: string): void {
    if (this.working.has(stackId)) {
      this.again.add(stackId);
      return;
    }
    const work = this.workThrough(stackId).catch((error: unknown) => this.context.log.error(`The runs of stack ${stackId} could not be worked through: ${describeError(error)}`));
    this.working.set(stackId, work);
    this.track(work);
  }

  /** Takes the stack's lock, if no live process holds it, and runs its runs in queue order while they are this process's to run. */
  private async workThrough(stackId: string): Promise<void> {
    let lease: StackLease | null = null;
    try {
      lease = await this.locks.tryAcquire(stackId);
      if (!lease) return;
      let failedClaims = 0;
      while (!lease.lost.aborted && failedClaims < CLAIM_ATTEMPTS) {
        this.again.delete(stackId);
        await this.book.refresh();
        await this.admit(stackId);
        const head = this.book.openRunsOf(stackId)[0];
        // A run queued by another live process is that process's to run (it holds the credential): the lock goes to it.
        if (!head || (head.fence === 0 && !this.mayTake(head))) break;
        failedClaims = (await this.runNext(head, lease)) ? 0 : failedClaims + 1;
      }
    } finally {
      await lease?.release().catch((error: unknown) => this.context.log.warn(`The lock of stack ${stackId} could not be let go: ${describeError(error)}`));
      this.working.delete(stackId);
    }
    // Runs queued while the lock was being let go: looked at again, here or by the next look of any process.
    if (lease && this.again.delete(stackId)) this.poke(stackId);
  }

  /** Gives every run of the stack not yet in its queue a place in it, in the order they were queued, for every process alike. */
  private async admit(stackId: string): Promise<void> {
    const unplaced = this.book.openRunsOf(stackId).filter((record) => record.position === null);
    if (unplaced.length > 0) await this.book.writeAll(unplaced.map((record) => ({ runId: record.run.id, change: { admit: true } })));
  }

  /** Claims the run and executes it. Answers whether the claim held. */
  private async runNext(head: RunRecord, lease: StackLease): Promise<boolean> {
    const runId = head.run.id;
    // Claimed before by another process (which died, or lost the stack's lock), or by this one before a lost lock.
    const takeOverFrom = head.fence > 0 && !this.active.has(runId) ? head.owner : null;
    const claim = await this.book.claim(runId, THIS_PROCESS);
    if (!claim.accepted || !claim.record) return false;
    const active: ActiveRun = { controller: new AbortController(), halt: null, decide: null };
    this.active.set(runId, active);
    try {
      await executeRun(this.deps, active, runId, claim.record.fence, takeOverFrom, lease);
    } catch (error) {
      this.context.log.error(`Run ${runId} could not be executed: ${describeError(error)}`);
    } finally {
      this.active.delete(runId);
    }
    return true;
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}

/** Requests that cannot count, refused before anything is recorded, in the words of the state the run is in. */
function refuseEarly(record: RunRecord, kind: DecisionKind): void {
  const { run } = record;
  if (kind === 'cancel') {
    if (isFinal(run)) throw conflict(`The run ${run.id} has already ${run.state}: there is nothing to cancel.`, { state: run.state });
    return;
  }
  if (run.state !== 'unconfirmed') {
    throw conflict(`The run ${run.id} is ${run.state}, not waiting for confirmation: only an unconfirmed run can be ${kind}ed.`, { state: run.state });
  }
  if (kind === 'confirm') refuseHeldConfirm(run);
}

function conflictMessage(record: RunRecord, kind: DecisionKind): string {
  const { run } = record;
  if (isFinal(run)) return `The run ${run.id} has already ${run.state}${run.summary ? ` (${run.summary})` : ''}: it cannot be ${kind}ed now.`;
  if (record.stop !== null) return `The run ${run.id} is already being stopped${record.stop.by ? ` (cancelled by ${record.stop.by})` : ''}.`;
  if (record.decision?.kind === 'confirm') return `The run ${run.id} was already confirmed${record.decision.by ? ` by ${record.decision.by}` : ''}: it is applying.`;
  return `The run ${run.id} is ${run.state}: it cannot be ${kind}ed now.`;
}

/**
 * Where a `local` run's build status links: the editor's URI handler opens the run there, so the log
 * is never shown to anyone who is not signed in to this machine's editor.
 */
export const runLinkOf = (run: Pick<Run, 'id'>): string => `vscode://stackhook.stackhook/run?id=${encodeURIComponent(run.id)}`;
