// Every run as it stands: the queued records (the runs log and the deliveries' lines) with the
// run-events log folded in (runEvent.ts). A change is on disk (appended and fsynced, or committed)
// before it is announced, and whoever appends an event learns from the fold whether it counted: a
// claim whose fence another process took first, an owner's change after its run was taken over, a
// second Confirm or Discard, all count for no one. So two processes on one store never both execute
// a run's step, and a decision is made once.
import { randomBytes } from 'node:crypto';
import type { Run } from '../protocol';
import type { RunEvent } from '../store/runEvents';
import type { StoredDelivery } from '../store/storedDelivery';
import type { StoredRun } from '../store/storedRun';
import type { RecordLog, RunClaims, RunLogs } from '../store/storeEngine';
import { applyEvent, isFinal, queuedRecord, type RunRecord } from './runEvent';

/** Events of runs this process has not read (yet, or ever: a run log rotated away) that it keeps waiting. */
const MAX_ORPHANS = 10_000;

/** What the book is kept in: the store engine's pieces, handed over by start-up. */
export interface RunBookParts {
  /** This process's own folder (the store's, or a replica's beside its database): where checkouts go. */
  readonly folder: string;
  readonly runs: RecordLog<typeof StoredRun>;
  readonly deliveries: RecordLog<typeof StoredDelivery>;
  /** The run-events log and whether an owner lives (StoreEngine.runClaims). */
  readonly claims: RunClaims;
  readonly logs: RunLogs;
  /** Tells the editors that runs changed. */
  readonly announce: () => void;
}

/** An event this process appends: everything but the run and the time, which the book fills in. */
export type RunChange = Omit<RunEvent, 'runId' | 'at' | 'eid'>;

/** What became of an appended event: the run after it, and whether the fold took it. */
export interface Written {
  record: RunRecord | null;
  accepted: boolean;
}

export class RunBook {
  readonly folder: string;
  readonly events: RecordLog<typeof RunEvent>;
  readonly logs: RunLogs;
  private readonly queued = new Map<string, StoredRun>();
  /** The process that queued each run (a delivery's recorder, or whoever asked for it). */
  private readonly origins = new Map<string, string>();
  private readonly latestOfStack = new Map<string, string>();
  /** Each stack's latest drift check that found something (in sync, drifted or unknown), by creation. */
  private readonly latestDriftOfStack = new Map<string, RunRecord>();
  private readonly applied = new Map<string, RunRecord>();
  /** Runs that have not ended, by stack: what a stack's lock holder works through. */
  private readonly openByStack = new Map<string, Set<string>>();
  /** Events this process appended that the fold has not reached yet, and the verdicts of those it has. */
  private readonly awaiting = new Set<string>();
  private readonly verdicts = new Map<string, boolean>();
  private positions = 0;
  /**
   * Events read before the run they change: another process records a run, then its events, and
   * this one may read the events log first. They are applied once the run is read.
   */
  private orphans: RunEvent[] = [];
  private seen = { runs: 0, deliveries: 0, events: 0 };
  /** The lists as last indexed, `seen` records of each read. */
  private sources: { runs: readonly StoredRun[]; deliveries: readonly StoredDelivery[]; events: readonly RunEvent[] } = { runs: [], deliveries: [], events: [] };

  constructor(private readonly parts: RunBookParts) {
    this.folder = parts.folder;
    this.events = parts.claims.events;
    this.logs = parts.logs;
  }

  async load(): Promise<void> {
    await this.events.load();
    this.index();
  }

  /** Picks up what other processes appended. */
  async refresh(): Promise<void> {
    await Promise.all([this.parts.runs.refresh(), this.parts.deliveries.refresh(), this.events.refresh()]);
    this.index();
  }

  record(runId: string): RunRecord | null {
    this.index();
    const applied = this.applied.get(runId);
    if (applied) return applied;
    const queued = this.queued.get(runId);
    return queued ? queuedRecord(queued, this.origins.get(runId) ?? null) : null;
  }

  /** The run as it stands, for any queued record (listing merges the logs itself). */
  current(queued: StoredRun): Run {
    return this.record(queued.id)?.run ?? queuedRecord(queued).run;
  }

  lastRunOf(stackId: string): Run | null {
    this.index();
    const id = this.latestOfStack.get(stackId);
    return id === undefined ? null : (this.record(id)?.run ?? null);
  }

  /** The stack's latest drift check with a result (R26): what Stack.drift shows. */
  lastDriftOf(stackId: string): RunRecord | null {
    this.index();
    return this.latestDriftOfStack.get(stackId) ?? null;
  }

  /** Stacks with runs that have not ended: the ones a process may have work to take. */
  stacksWithOpenRuns(): string[] {
    this.index();
    return [...this.openByStack.keys()];
  }

  /**
   * A stack's runs that have not ended, in the order they run: those its lock holders admitted, by
   * their place in the queue, then those not admitted yet, oldest first.
   */
  openRunsOf(stackId: string): RunRecord[] {
    this.index();
    const records: RunRecord[] = [];
    for (const runId of this.openByStack.get(stackId) ?? []) {
      const record = this.record(runId);
      if (record && !isFinal(record.run)) records.push(record);
    }
    return records.sort(queueOrder);
  }

  /** Whether another run of this stack put (or began to put) a Code Insights report on this commit: a new run's replaces it. */
  insightsOn(stackId: string, commit: string, exceptRunId: string): boolean {
    this.index();
    for (const record of this.applied.values()) {
      const { run } = record;
      if (run.id !== exceptRunId && run.stackId === stackId && run.commit === commit && run.reports.insights !== undefined && run.reports.insights !== 'skipped') return true;
    }
    return false;
  }

  /** Every run of the stack that has an event (started, decided, applied), in no particular order. */
  recordsOfStack(stackId: string): RunRecord[] {
    this.index();
    return [...this.applied.values()].filter((record) => record.run.stackId === stackId);
  }

  /** The comment the last run of this stack wrote on this pull request, to edit it in place. */
  commentOf(stackId: string, pullRequestId: number): number | null {
    this.index();
    let found: number | null = null;
    for (const record of this.applied.values()) {
      if (record.run.stackId === stackId && record.run.pullRequestId === pullRequestId && record.commentId !== null) found = record.commentId;
    }
    return found;
  }

  /**
   * Appends one event durably, then tells the editors. The run's log goes first: a run seen ended
   * has all its log. Answers whether the fold took it, from the log as every process reads it.
   */
  async write(runId: string, change: RunChange, now = new Date()): Promise<Written> {
    const [written] = await this.writeAll([{ runId, change }], now);
    return written as Written;
  }

  /** Several events in one append (one fsync or one commit), each with its own verdict. */
  async writeAll(entries: readonly { runId: string; change: RunChange }[], now = new Date()): Promise<Written[]> {
    if (entries.length === 0) return [];
    await Promise.all([...new Set(entries.map((entry) => entry.runId))].map((runId) => this.logs.settle(runId)));
    const events = entries.map(({ runId, change }) => ({ runId, at: now.toISOString(), eid: newEventId(), ...change }));
    for (const event of events) this.awaiting.add(event.eid);
    try {
      await this.events.append(events);
      this.index();
    } finally {
      for (const event of events) this.awaiting.delete(event.eid);
    }
    this.parts.announce();
    return events.map((event) => {
      const accepted = this.verdicts.get(event.eid) ?? false;
      this.verdicts.delete(event.eid);
      return { record: this.record(event.runId), accepted };
    });
  }

  /** An unfenced change, as older servers wrote them (tests that set a run up by hand). */
  async change(runId: string, change: RunChange, now = new Date()): Promise<RunRecord | null> {
    return (await this.write(runId, change, now)).record;
  }

  /** Claims the run for `owner`: one above the run's fence as this process last read it, so a claim made on a stale reading fails. */
  async claim(runId: string, owner: string): Promise<Written> {
    await this.refresh();
    const record = this.record(runId);
    if (!record || isFinal(record.run)) return { record, accepted: false };
    return this.write(runId, { owner, fence: record.fence + 1 });
  }

  /** Whether the process that claimed a run still lives: asked of this machine, or of the replicas' heartbeats. */
  ownerAlive(owner: string): boolean {
    return this.parts.claims.ownerAlive(owner);
  }

  private index(): void {
    const runs = this.parts.runs.all();
    const deliveries = this.parts.deliveries.all();
    const events = this.events.all();
    // A log that rotated lists the same records with the oldest trimmed off: the runs they held are
    // forgotten and reading goes on where it was. Indexing thousands of runs again from the top
    // would hold up every request and delivery for a tenth of a second. A log read anew (another
    // process rotated it) holds other objects: that one is indexed from the top.
    const fromRuns = resumeAt(this.sources.runs, this.seen.runs, runs);
    const fromDeliveries = resumeAt(this.sources.deliveries, this.seen.deliveries, deliveries);
    const fromEvents = resumeAt(this.sources.events, this.seen.events, events);
    if (fromRuns === null || fromDeliveries === null || fromEvents === null) {
      this.queued.clear();
      this.origins.clear();
      this.applied.clear();
      this.latestOfStack.clear();
      this.latestDriftOfStack.clear();
      this.openByStack.clear();
      this.orphans = [];
      this.positions = 0;
      this.seen = { runs: 0, deliveries: 0, events: 0 };
    } else {
      for (const run of fromRuns.dropped) this.forget(run);
      for (const delivery of fromDeliveries.dropped) for (const run of delivery.runs) this.forget(run);
      this.seen = { runs: fromRuns.at, deliveries: fromDeliveries.at, events: fromEvents.at };
    }
    this.sources = { runs, deliveries, events };
    for (let i = this.seen.runs; i < runs.length; i++) {
      const run = runs[i] as StoredRun;
      this.addQueued(run, run.queuedBy);
    }
    for (let i = this.seen.deliveries; i < deliveries.length; i++) {
      const delivery = deliveries[i] as StoredDelivery;
      for (const run of delivery.runs) this.addQueued(run, delivery.recordedBy);
    }
    const waiting = this.orphans;
    this.orphans = [];
    for (const event of [...waiting, ...(events.slice(this.seen.events) as RunEvent[])]) this.fold(event);
    this.seen = { runs: runs.length, deliveries: deliveries.length, events: events.length };
  }

  private fold(event: RunEvent): void {
    const queued = this.queued.get(event.runId);
    const base = this.applied.get(event.runId) ?? (queued ? queuedRecord(queued, this.origins.get(event.runId) ?? null) : null);
    if (!base) {
      if (this.orphans.length < MAX_ORPHANS) this.orphans.push(event);
      else if (event.eid !== undefined && this.awaiting.has(event.eid)) this.verdicts.set(event.eid, false);
      return;
    }
    const folded = applyEvent(base, event, () => ++this.positions);
    if (event.eid !== undefined && this.awaiting.has(event.eid)) this.verdicts.set(event.eid, folded.accepted);
    if (!folded.accepted) return;
    this.applied.set(event.runId, folded.record);
    if (folded.record.drift !== null) this.noteDrift(folded.record);
    if (isFinal(folded.record.run)) this.openByStack.get(folded.record.run.stackId)?.delete(event.runId);
  }

  private noteDrift(record: RunRecord): void {
    const latest = this.latestDriftOfStack.get(record.run.stackId);
    if (!latest || latest.run.id === record.run.id || latest.run.createdAt <= record.run.createdAt) this.latestDriftOfStack.set(record.run.stackId, record);
  }

  /** A run whose record left its log: as if it had never been read. */
  private forget(run: StoredRun): void {
    this.queued.delete(run.id);
    this.origins.delete(run.id);
    this.applied.delete(run.id);
    const open = this.openByStack.get(run.stackId);
    open?.delete(run.id);
    if (open?.size === 0) this.openByStack.delete(run.stackId);
    if (this.latestOfStack.get(run.stackId) === run.id) this.latestOfStack.delete(run.stackId);
    if (this.latestDriftOfStack.get(run.stackId)?.run.id === run.id) this.latestDriftOfStack.delete(run.stackId);
  }

  private addQueued(run: StoredRun, origin: string | undefined): void {
    this.queued.set(run.id, run);
    if (origin !== undefined) this.origins.set(run.id, origin);
    let open = this.openByStack.get(run.stackId);
    if (!open) this.openByStack.set(run.stackId, (open = new Set()));
    open.add(run.id);
    const latest = this.latestOfStack.get(run.stackId);
    const latestRun = latest === undefined ? undefined : this.queued.get(latest);
    if (!latestRun || latestRun.createdAt <= run.createdAt) this.latestOfStack.set(run.stackId, run.id);
  }
}

/** Admitted runs by their place in the queue, before those not admitted yet (oldest first, then by id). */
export function queueOrder(a: RunRecord, b: RunRecord): number {
  if (a.position !== null && b.position !== null) return a.position - b.position;
  if (a.position !== null) return -1;
  if (b.position !== null) return 1;
  return a.run.createdAt.localeCompare(b.run.createdAt) || a.run.id.localeCompare(b.run.id);
}

function newEventId(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * Where to go on reading `now`, a log's list, after `seen` records of `before` (the list last read):
 * the same list grown, or the same records with the oldest trimmed off by a rotation (those are
 * `dropped`). Null when `now` is another reading of the log, to be read from the top.
 */
export function resumeAt<T>(before: readonly T[], seen: number, now: readonly T[]): { at: number; dropped: readonly T[] } | null {
  if (now === before) return seen <= now.length ? { at: seen, dropped: [] } : null;
  if (seen === 0) return { at: 0, dropped: [] };
  const at = now.lastIndexOf(before[seen - 1] as T);
  if (at < 0) return null;
  const kept = before.indexOf(now[0] as T);
  return kept < 0 ? null : { at: at + 1, dropped: before.slice(0, kept) };
}
