// Each run's log in PostgreSQL, shared by the replicas: chunks of masked text at their byte offsets,
// under one row per run that holds the log's size, so the cap holds whichever replica writes. Output
// is batched: one transaction and one notice per flush, at most every FLUSH_MS per run, however many
// lines a command prints. The notice tells every replica the log's new size, so a replica whose
// editors follow a live log asks the database only once there is something new to read.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { asError } from '../../errors';
import { DEFAULT_LOG_CAP, LOG_READ_LIMIT, lastLines, maskedLogText, partOf, withinCap } from '../runLogText';
import { RUN_LOG_PRUNE_EVERY, RUN_LOG_PRUNE_GRACE_MS, type RunLogPart, type RunLogs } from '../storeEngine';
import type { ChangeChannel, Notice } from './changeChannel';

export const FLUSH_MS = 200;
/** After a flush failed (the database away), the next try waits this long. */
const RETRY_MS = 1_000;
/** Past this much text waiting, an append waits for its flush: a flood of output does not pile up here. */
const PENDING_LIMIT = 256 * 1024;
/** How long a size learnt from a notice or a read is trusted: a notice lost on the way delays a follower no longer. */
export const ANNOUNCED_TRUST_MS = 5_000;
const MAX_ANNOUNCED = 10_000;

/** The record logs whose retention decides which run logs are kept: runs queued by hand, and deliveries with their runs. */
export interface RunRecordLogs {
  runs: string;
  deliveries: string;
}

interface Pending {
  chunks: Buffer[];
  bytes: number;
  timer: NodeJS.Timeout | null;
  flushing: Promise<void> | null;
  lastFlush: number;
  failed: boolean;
}

export class PostgresRunLogs implements RunLogs {
  readonly origin = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private readonly announced = new Map<string, { size: number; at: number }>();
  private readonly unsubscribe: () => void;
  private newLogs = 0;
  private closed = false;
  private heardAny = false;

  constructor(
    private readonly pool: Pool,
    private readonly channel: ChangeChannel,
    private readonly records: RunRecordLogs,
    readonly cap: number = DEFAULT_LOG_CAP,
    private readonly onError: (error: Error) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = channel.subscribe((notice) => this.heard(notice));
  }

  /** Masks the text now; it reaches the database with the next flush of this run's log. */
  async append(runId: string, text: string, extraSecrets: readonly string[] = []): Promise<void> {
    if (text === '') return;
    if (this.closed) {
      // The database connections are ending with the server; a run cut off here is taken over by another replica.
      this.onError(new Error(`Output of run ${runId} written while this server stops is not kept.`));
      return;
    }
    // A log known to be full takes nothing more: no transaction for output that would be dropped.
    if ((this.announced.get(runId)?.size ?? 0) >= this.cap) return;
    const bytes = Buffer.from(maskedLogText(text, extraSecrets));
    let entry = this.pending.get(runId);
    if (!entry) {
      entry = { chunks: [], bytes: 0, timer: null, flushing: null, lastFlush: 0, failed: false };
      this.pending.set(runId, entry);
    }
    entry.chunks.push(bytes);
    entry.bytes += bytes.length;
    if (entry.bytes > PENDING_LIMIT) await this.flush(runId);
    else this.schedule(runId, entry);
  }

  settle(runId: string): Promise<void> {
    return this.flush(runId);
  }

  async read(runId: string, offset: number, all: boolean): Promise<RunLogPart> {
    const known = this.announced.get(runId);
    // A live log followed from where it stopped: nothing new was announced, so there is nothing to read.
    // Trusted only once notices arrive (one sent before this replica listened is lost); an ended run's
    // log (`all`) is always read, so its last part is never missed.
    if (!all && this.heardAny && known && known.size <= offset && this.now() - known.at < ANNOUNCED_TRUST_MS) {
      return { text: '', nextOffset: Math.min(offset, known.size), size: known.size };
    }
    const { rows } = await this.pool.query<{ size: string; start_offset: string | null; body: Buffer | null }>(
      `SELECT l.size, c.start_offset, c.body
         FROM run_logs l
         LEFT JOIN run_log_chunks c ON c.run_id = l.run_id AND c.start_offset + length(c.body) > $2 AND c.start_offset < $2 + $3
        WHERE l.run_id = $1
        ORDER BY c.start_offset`,
      [runId, offset, LOG_READ_LIMIT],
    );
    const first = rows[0];
    if (!first) return { text: '', nextOffset: offset, size: 0 };
    const size = Number(first.size);
    this.learn(runId, size);
    if (size <= offset) return { text: '', nextOffset: Math.min(offset, size), size };
    const chunks = rows.filter((row) => row.body !== null);
    const start = Number(chunks[0]?.start_offset ?? offset);
    const joined = Buffer.concat(chunks.map((row) => row.body as Buffer));
    const available = joined.subarray(offset - start, offset - start + Math.min(size - offset, LOG_READ_LIMIT));
    return partOf(available, offset, size, all);
  }

  async tail(runId: string, lines: number): Promise<string> {
    const { rows } = await this.pool.query<{ body: Buffer }>('SELECT body FROM run_log_chunks WHERE run_id = $1 ORDER BY start_offset', [runId]);
    return lastLines(Buffer.concat(rows.map((row) => row.body)).toString('utf8'), lines);
  }

  /**
   * Deletes the logs of runs the records no longer hold (their retention: the runs log's and the
   * deliveries log's), unless written within `graceMs`. Returns how many went.
   */
  async prune(graceMs = RUN_LOG_PRUNE_GRACE_MS): Promise<number> {
    const { rowCount } = await this.pool.query(
      `WITH live AS (
         SELECT body->>'id' AS id FROM records WHERE log = $1
         UNION
         SELECT run->>'id' FROM records, jsonb_array_elements(body->'runs') AS run WHERE log = $2 AND jsonb_typeof(body->'runs') = 'array'
       )
       DELETE FROM run_logs l
        WHERE l.written_at < now() - make_interval(secs => $3)
          AND NOT EXISTS (SELECT 1 FROM live WHERE live.id = l.run_id)`,
      [this.records.runs, this.records.deliveries, graceMs / 1000],
    );
    return rowCount ?? 0;
  }

  /** Writes what waits, then takes no more. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    const results = await Promise.allSettled([...this.pending.keys()].map((runId) => this.flush(runId)));
    for (const result of results) if (result.status === 'rejected') this.onError(asError(result.reason));
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
  }

  /**
   * The first output after a quiet spell goes at once; what follows within FLUSH_MS of a flush goes
   * with the next. A log with nothing waiting is forgotten once FLUSH_MS have passed.
   */
  private schedule(runId: string, entry: Pending): void {
    if (entry.timer || entry.flushing || this.closed) return;
    const delay = Math.max(0, entry.lastFlush + (entry.failed ? RETRY_MS : FLUSH_MS) - this.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (entry.bytes > 0) this.flush(runId).catch((error: unknown) => this.onError(asError(error)));
      else if (!entry.flushing && this.pending.get(runId) === entry) this.pending.delete(runId);
    }, delay);
  }

  /** One flush at a time per run, in order; resolves once all appended before it is committed. */
  private flush(runId: string): Promise<void> {
    const entry = this.pending.get(runId);
    if (!entry) return Promise.resolve();
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    const flushing = (entry.flushing ?? Promise.resolve()).catch(() => undefined).then(() => this.write(runId, entry));
    entry.flushing = flushing;
    const after = () => {
      if (entry.flushing !== flushing) return;
      entry.flushing = null;
      this.schedule(runId, entry);
    };
    flushing.then(after, after);
    return flushing;
  }

  private async write(runId: string, entry: Pending): Promise<void> {
    if (entry.bytes === 0) return;
    const text = Buffer.concat(entry.chunks);
    entry.chunks = [];
    entry.bytes = 0;
    entry.lastFlush = this.now();
    try {
      await this.commit(runId, text);
      entry.failed = false;
    } catch (error) {
      // Kept for the next flush, ahead of what came since, so the log keeps its order.
      entry.chunks.unshift(text);
      entry.bytes += text.length;
      entry.failed = true;
      throw new Error(`Writing the log of run ${runId} to the database failed (it is tried again): ${asError(error).message}`);
    }
  }

  /** Under the run's row lock: every replica appends at the log's true end, and the cap counts all of them. */
  private async commit(runId: string, text: Buffer): Promise<void> {
    const client = await this.pool.connect();
    let created = false;
    try {
      await client.query('BEGIN');
      const inserted = await client.query("INSERT INTO run_logs (run_id, size, written_at) VALUES ($1, 0, now()) ON CONFLICT (run_id) DO NOTHING", [runId]);
      created = (inserted.rowCount ?? 0) > 0;
      const { rows } = await client.query<{ size: string }>('SELECT size FROM run_logs WHERE run_id = $1 FOR UPDATE', [runId]);
      const size = Number(rows[0]?.size ?? 0);
      const kept = withinCap(text, size, this.cap);
      if (kept.length > 0) {
        await client.query('INSERT INTO run_log_chunks (run_id, start_offset, body) VALUES ($1, $2, $3)', [runId, size, kept]);
        await client.query('UPDATE run_logs SET size = $2, written_at = now() WHERE run_id = $1', [runId, size + kept.length]);
        await this.channel.notifyWithin(client, { kind: 'runLog', origin: this.origin, topics: [], runId, size: size + kept.length });
      }
      await client.query('COMMIT');
      this.learn(runId, size + kept.length);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (created && (this.newLogs += 1) % RUN_LOG_PRUNE_EVERY === 0) {
      this.prune().catch((error: unknown) => this.onError(new Error(`Pruning the run logs of runs no longer kept failed: ${asError(error).message}`)));
    }
  }

  /** Whether this replica hears the replicas' notices of new output (it skips reads of logs with none). */
  get hearing(): boolean {
    return this.heardAny;
  }

  private heard(notice: Notice): void {
    if (notice.kind !== 'runLog' || notice.runId === undefined || notice.size === undefined) return;
    this.heardAny = true;
    this.learn(notice.runId, notice.size);
  }

  /** Sizes only grow: a read that started before a flush must not hide what the flush announced. */
  private learn(runId: string, size: number): void {
    const at = this.now();
    const known = this.announced.get(runId);
    this.announced.set(runId, { size: Math.max(size, known?.size ?? 0), at });
    if (this.announced.size > MAX_ANNOUNCED) {
      for (const [id, entry] of this.announced) if (at - entry.at >= ANNOUNCED_TRUST_MS) this.announced.delete(id);
    }
  }
}
