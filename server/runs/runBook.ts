// Every run as it stands: the queued records (the runs log and the deliveries' lines) with the
// run-events log applied. A change is on disk (appended and fsynced) before it is announced, and
// a run is claimed under a lock, so two processes on one store never both execute it.
import { hostname } from 'node:os';
import * as path from 'node:path';
import { QueuedRun as QueuedRunSchema, type QueuedRun, type Run } from '../protocol';
import { FINAL_RUN_STATES } from '../protocol';
import { AppendLog } from '../store/appendLog';
import { Batched } from '../store/batched';
import type { RecordLog, RunLogs } from '../store/engine';
import { withFileLock } from '../store/fileLock';
import { isProcessAlive } from '../store/processes';
import type { StoredDelivery } from '../webhooks/storedDelivery';
import { RunEvent, applyEvent, queuedRecord, type RunRecord } from './runEvent';
import { RunLogFiles } from './runLogFiles';

export const RUN_EVENTS_FILE = 'run-events.jsonl';
export const RUN_EVENTS_SIZE = 200_000;
/** Events of runs this process has not read (yet, or ever: a run log rotated away) that it keeps waiting. */
const MAX_ORPHANS = 10_000;

/** This process, as it names itself in a claim: host, pid and start time (a reused pid is another process). */
export const THIS_PROCESS = `${hostname()}:${process.pid}:${Date.now().toString(36)}`;

export function isFinal(run: Pick<Run, 'state'>): boolean {
  return FINAL_RUN_STATES.includes(run.state);
}

/** Whether the process that claimed a run is still alive (only this machine's processes can be asked). */
export function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (owner === THIS_PROCESS) return true;
  if (host !== hostname()) return true;
  return isProcessAlive(Number(pid));
}

/**
 * Replicas on one database share run events, claim runs under a database lock, and know one another
 * alive by their heartbeats (a pid on another host cannot be asked).
 */
/** A process asking for a run: to start it, or to take it over from `takeOverFrom`, which died. */
interface ClaimRequest {
  runId: string;
  owner: string;
  takeOverFrom: string | null;
}

export interface SharedRuns {
  readonly events: RecordLog<typeof RunEvent>;
  withClaimLock<T>(action: () => Promise<T>): Promise<T>;
  ownerAlive(owner: string): boolean;
}

export class RunBook {
  readonly events: RecordLog<typeof RunEvent>;
  readonly logs: RunLogs;
  private readonly queued = new Map<string, QueuedRun>();
  /** Runs a delivery queued, and the process that recorded it, which owns them from the start. */
  private readonly ownedAtQueue = new Map<string, string>();
  private readonly claims = new Batched<ClaimRequest, boolean>((requests) => this.claimTogether(requests));
  private readonly latestOfStack = new Map<string, string>();
  private readonly applied = new Map<string, RunRecord>();
  /**
   * Events read before the run they change: another process records a run, then its events, and
   * this one may read the events log first. They are applied once the run is read.
   */
  private orphans: RunEvent[] = [];
  private seen = { runs: 0, deliveries: 0, events: 0 };
  /** The lists as last indexed, `seen` records of each read. */
  private sources: { runs: readonly QueuedRun[]; deliveries: readonly StoredDelivery[]; events: readonly RunEvent[] } = { runs: [], deliveries: [], events: [] };

  constructor(
    readonly folder: string,
    private readonly runs: RecordLog<typeof QueuedRunSchema>,
    private readonly deliveries: RecordLog<typeof StoredDelivery>,
    private readonly announce: () => void,
    logCap?: number,
    private readonly shared?: SharedRuns,
    /** Run logs the replicas share; without them, each log is a file of this store's folder. */
    logs?: RunLogs,
  ) {
    this.events = shared?.events ?? new AppendLog(path.join(folder, RUN_EVENTS_FILE), RunEvent, RUN_EVENTS_SIZE);
    this.logs = logs ?? new RunLogFiles(path.join(folder, 'run-logs'), logCap, () => this.keptRuns());
  }

  async load(): Promise<void> {
    await this.events.load();
    this.index();
  }

  /** Picks up what other processes appended. */
  async refresh(): Promise<void> {
    await Promise.all([this.runs.refresh(), this.deliveries.refresh(), this.events.refresh()]);
    this.index();
  }

  /** Which runs the logs hold now, other processes' included. */
  private async keptRuns(): Promise<(runId: string) => boolean> {
    await this.refresh();
    return (runId) => this.record(runId) !== null;
  }

  record(runId: string): RunRecord | null {
    this.index();
    const applied = this.applied.get(runId);
    if (applied) return applied;
    const queued = this.queued.get(runId);
    return queued ? queuedRecord(queued, this.ownedAtQueue.get(runId) ?? null) : null;
  }

  /** The run as it stands, for any queued record (listing merges the logs itself). */
  current(queued: QueuedRun): Run {
    return this.record(queued.id)?.run ?? queuedRecord(queued).run;
  }

  lastRunOf(stackId: string): Run | null {
    this.index();
    const id = this.latestOfStack.get(stackId);
    return id === undefined ? null : (this.record(id)?.run ?? null);
  }

  /** Runs that have not ended whose owner died, with their records: recovery takes them over. */
  orphaned(): RunRecord[] {
    this.index();
    // A few owners own many runs: each is asked after once.
    const alive = new Map<string, boolean>();
    const ownerDied = (owner: string | null) => {
      if (owner === null) return false;
      let known = alive.get(owner);
      if (known === undefined) alive.set(owner, (known = this.ownerAlive(owner)));
      return !known;
    };
    const found: RunRecord[] = [];
    for (const record of this.applied.values()) if (!isFinal(record.run) && ownerDied(record.owner)) found.push(record);
    // Asked every few seconds on a team server, of every run the logs hold: the owner first, since
    // nearly all are a live process's.
    for (const [runId, owner] of this.ownedAtQueue) {
      if (!ownerDied(owner) || this.applied.has(runId)) continue;
      const queued = this.queued.get(runId);
      if (queued) found.push(queuedRecord(queued, owner));
    }
    return found;
  }

  /**
   * Runs recorded but never claimed, queued between `minAgeMs` and `maxAgeMs` ago: the process that
   * recorded one died before it could start it. Older ones (queued before runs executed) stay as they are.
   */
  unclaimed(now: number, minAgeMs: number, maxAgeMs: number): QueuedRun[] {
    this.index();
    const found: QueuedRun[] = [];
    for (const run of this.queued.values()) {
      // The cheap checks first: most runs are owned from their queueing on, or have begun.
      if (this.ownedAtQueue.has(run.id) || this.applied.has(run.id)) continue;
      const age = now - Date.parse(run.createdAt);
      if (age >= minAgeMs && age <= maxAgeMs) found.push(run);
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
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

  /** Appends the change durably, then tells the editors. The log goes first: a run seen ended has all its log. */
  async change(runId: string, change: Omit<RunEvent, 'runId' | 'at'>, now = new Date()): Promise<RunRecord | null> {
    await this.logs.settle(runId);
    await this.events.append([{ runId, at: now.toISOString(), ...change }]);
    this.announce();
    return this.record(runId);
  }

  /**
   * Takes the run for this process, unless another process took it first (or it already ended).
   * Under the events log's lock: the check and the claim are one step for every process.
   */
  claim(runId: string, owner = THIS_PROCESS, takeOverFrom: string | null = null): Promise<boolean> {
    return this.owns(runId, owner, takeOverFrom) ? Promise.resolve(true) : this.claims.submit({ runId, owner, takeOverFrom });
  }

  /** Whether the run is `owner`'s already, from its queueing on, so that claiming it needs nothing. */
  owns(runId: string, owner = THIS_PROCESS, takeOverFrom: string | null = null): boolean {
    this.index();
    return this.ownsFromQueue(runId, owner, takeOverFrom);
  }

  /** A run its delivery's recorder owns from the start is that process's without a claim of its own, until it has begun. */
  private ownsFromQueue(runId: string, owner: string, takeOverFrom: string | null): boolean {
    return takeOverFrom === null && this.ownedAtQueue.get(runId) === owner && !this.applied.has(runId);
  }

  /** Claims asked for while one is being taken go together: one lock, one read, one append. */
  private claimTogether(requests: readonly ClaimRequest[]): Promise<boolean[]> {
    const locked = <T>(action: () => Promise<T>) => (this.shared ? this.shared.withClaimLock(action) : withFileLock(this.events.file, action));
    return locked(async () => {
      await this.refresh();
      const at = new Date().toISOString();
      const claimed: RunEvent[] = [];
      const outcomes = requests.map(({ runId, owner, takeOverFrom }) => {
        // Asked twice in one batch, a run goes to the first request, as it would one at a time.
        if (claimed.some((event) => event.runId === runId)) return false;
        if (this.ownsFromQueue(runId, owner, takeOverFrom)) return true;
        const record = this.record(runId);
        if (!record || isFinal(record.run)) return false;
        if (record.owner !== null && record.owner !== takeOverFrom) return false;
        claimed.push({ runId, at, owner });
        return true;
      });
      if (claimed.length > 0) await this.events.append(claimed);
      this.index();
      return outcomes;
    });
  }

  /** Whether the process that claimed a run still lives: asked of this machine, or of the replicas' heartbeats. */
  ownerAlive(owner: string): boolean {
    return this.shared ? this.shared.ownerAlive(owner) : ownerAlive(owner);
  }

  private index(): void {
    const runs = this.runs.all();
    const deliveries = this.deliveries.all();
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
      this.ownedAtQueue.clear();
      this.applied.clear();
      this.latestOfStack.clear();
      this.orphans = [];
      this.seen = { runs: 0, deliveries: 0, events: 0 };
    } else {
      for (const run of fromRuns.dropped) this.forget(run);
      for (const delivery of fromDeliveries.dropped) for (const run of delivery.runs) this.forget(run);
      this.seen = { runs: fromRuns.at, deliveries: fromDeliveries.at, events: fromEvents.at };
    }
    this.sources = { runs, deliveries, events };
    for (let i = this.seen.runs; i < runs.length; i++) this.addQueued(runs[i] as QueuedRun);
    for (let i = this.seen.deliveries; i < deliveries.length; i++) {
      const delivery = deliveries[i] as StoredDelivery;
      for (const run of delivery.runs) {
        this.addQueued(run);
        if (delivery.recordedBy !== undefined) this.ownedAtQueue.set(run.id, delivery.recordedBy);
      }
    }
    const waiting = this.orphans;
    this.orphans = [];
    for (const event of [...waiting, ...(events.slice(this.seen.events) as RunEvent[])]) {
      const queued = this.queued.get(event.runId);
      const base = this.applied.get(event.runId) ?? (queued ? queuedRecord(queued, this.ownedAtQueue.get(event.runId) ?? null) : null);
      if (base) this.applied.set(event.runId, applyEvent(base, event));
      else if (this.orphans.length < MAX_ORPHANS) this.orphans.push(event);
    }
    this.seen = { runs: runs.length, deliveries: deliveries.length, events: events.length };
  }

  /** A run whose record left its log: as if it had never been read. */
  private forget(run: QueuedRun): void {
    this.queued.delete(run.id);
    this.ownedAtQueue.delete(run.id);
    this.applied.delete(run.id);
    if (this.latestOfStack.get(run.stackId) === run.id) this.latestOfStack.delete(run.stackId);
  }

  private addQueued(run: QueuedRun): void {
    this.queued.set(run.id, run);
    const latest = this.latestOfStack.get(run.stackId);
    const latestRun = latest === undefined ? undefined : this.queued.get(latest);
    if (!latestRun || latestRun.createdAt <= run.createdAt) this.latestOfStack.set(run.stackId, run.id);
  }
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
