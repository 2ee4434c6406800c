// An append-only log (runs, deliveries, refusals) in PostgreSQL, with the file log's contract: what
// is listed is what was read back from the table, in one order every replica agrees on. Appends to one
// log take an advisory lock for their transaction, so sequence numbers commit in order and a reader
// that reads "after the last one it saw" misses nothing.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { ChangeTopic } from '../../protocol';
import type { ChangeChannel } from './changeChannel';

/** Keeps the table bounded like the file log's rotation: every PRUNE_EVERY appends, the oldest go. */
const PRUNE_EVERY = 500;

export class PostgresLog<S extends z.ZodType> {
  private entries: z.output<S>[] = [];
  private lastSeq = 0;
  private appendsSincePrune = 0;
  readonly origin = randomUUID();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly channel: ChangeChannel,
    /** The log's name in the `records` table: `runs`, `deliveries`, `refusals`. */
    readonly name: string,
    private readonly schema: S,
    readonly maxEntries: number,
    /** What an append changes, for editors on other replicas. */
    private readonly topics: ChangeTopic[],
  ) {}

  /** Stands where the file log's path does in messages. */
  get file(): string {
    return `records:${this.name}`;
  }

  load(): Promise<void> {
    return this.inTurn(async () => {
      await this.readNew();
    });
  }

  /** Reads what other replicas appended; true when there was something. */
  refresh(): Promise<boolean> {
    return this.inTurn(() => this.readNew());
  }

  all(): readonly z.output<S>[] {
    return this.entries;
  }

  append(records: readonly z.output<S>[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const bodies = records.map((record) => JSON.stringify(this.schema.parse(record)));
    return this.inTurn(async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`stackhook.records.${this.name}`]);
        await client.query('INSERT INTO records (log, body) SELECT $1, value FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(value, n) ORDER BY n', [
          this.name,
          `[${bodies.join(',')}]`,
        ]);
        await this.channel.notifyWithin(client, { kind: 'records', origin: this.origin, topics: this.topics });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      await this.readNew();
      this.appendsSincePrune += records.length;
      if (this.appendsSincePrune >= PRUNE_EVERY) {
        this.appendsSincePrune = 0;
        await this.pool.query('DELETE FROM records WHERE log = $1 AND seq <= $2', [this.name, this.lastSeq - this.maxEntries]);
      }
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async readNew(): Promise<boolean> {
    const { rows } = await this.pool.query<{ seq: string; body: unknown }>('SELECT seq, body FROM records WHERE log = $1 AND seq > $2 ORDER BY seq', [this.name, this.lastSeq]);
    for (const row of rows) {
      this.lastSeq = Number(row.seq);
      const parsed = this.schema.safeParse(row.body);
      if (parsed.success) this.entries.push(parsed.data);
    }
    if (this.entries.length > this.maxEntries) this.entries = this.entries.slice(-this.maxEntries);
    return rows.length > 0;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }
}
