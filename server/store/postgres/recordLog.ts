// An append-only log (runs, deliveries, refusals) in PostgreSQL, with the file log's contract: what
// is listed is what was read back from the table, in one order every replica agrees on. Appends to one
// log take an advisory lock for their transaction, so sequence numbers commit in order and a reader
// that reads "after the last one it saw" misses nothing.
//
// Appends are group-committed: those made while a commit is in flight go out together in the next one,
// a single call of `stackhook_append_records` (migration 4: the lock, the delivery keys, the INSERT
// and the NOTIFY in one statement), so ordering the log costs one round trip and one commit per batch,
// not a transaction of six statements per record.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import * as z from 'zod';
import type { ChangeTopic } from '../../protocol';
import { Batched } from '../batched';
import type { ChangeChannel, Notice } from './changeChannel';

/** Keeps the table bounded like the file log's rotation: every PRUNE_EVERY appends, the oldest go. */
const PRUNE_EVERY = 500;

/** What `stackhook_append_records` answers (migration 4). */
const AppendAnswer = z.object({
  won: z.array(z.number().int()),
  stale: z.array(z.number().int()),
  /** The sequence numbers of the records written, in batch order. */
  mine: z.array(z.number().int()),
  /** Records after `p_after` that others wrote. */
  others: z.array(z.object({ seq: z.number().int(), body: z.unknown() })),
});

/**
 * What one append puts in the batch: records, or one record that carries a delivery's key (R16) and
 * the registry revision it was routed on.
 */
type Append<T> = { records: readonly T[]; keyed?: { key: readonly [string, string]; routedOn: number } };

/** A record as read, with its sequence number; undefined when its row does not parse. */
interface Row<T> {
  seq: number;
  record: T | undefined;
}

/** How one keyed append went: written; not written, its key taken before; or routed on a registry that changed since. */
export type KeyedOutcome = 'appended' | 'taken' | 'stale';

/** How a batch's commit went for one of its appends, and when what it wrote is listed. */
interface Committed {
  outcome: KeyedOutcome;
  listed: Promise<unknown>;
}

export class PostgresLog<S extends z.ZodType> {
  private entries: z.output<S>[] = [];
  private lastSeq = 0;
  private appendsSincePrune = 0;
  readonly origin = randomUUID();
  private turn: Promise<unknown> = Promise.resolve();
  private readonly commits = new Batched<Append<z.output<S>>, Committed>((batch) => this.commit(batch));

  constructor(
    private readonly pool: Pool,
    private readonly channel: ChangeChannel,
    /** The log's name in the `records` table: `runs`, `deliveries`, `refusals`. */
    readonly name: string,
    private readonly schema: S,
    readonly maxEntries: number,
    /** What an append changes, for editors on other replicas. */
    private readonly topics: ChangeTopic[],
    /** The deliveries log: its records may carry a delivery's key, taken once in `accepted_deliveries`. */
    private readonly keyed = false,
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

  async append(records: readonly z.output<S>[]): Promise<void> {
    if (records.length === 0) return;
    // Typed already; what is read back is parsed (the table is a boundary), as the file log does.
    await (await this.commits.submit({ records })).listed;
  }

  /**
   * Appends `record` unless an attempt with its key was recorded before, by any replica, or the
   * registry is no longer at the revision `routedOn` the record was made from. The key and the record
   * commit together, so a retry finds both or neither.
   */
  async appendOnce(record: z.output<S>, key: readonly [string, string], routedOn: number): Promise<KeyedOutcome> {
    if (!this.keyed) throw new Error(`The ${this.name} log keeps no delivery keys.`);
    const committed = await this.commits.submit({ records: [record], keyed: { key, routedOn } });
    await committed.listed;
    return committed.outcome;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The whole batch in one statement, which also answers what this replica has not read yet. */
  private async commit(batch: readonly Append<z.output<S>>[]): Promise<Committed[]> {
    const items = batch.flatMap((append, i) =>
      append.records.map((record) => {
        const body = JSON.stringify(record);
        return { i, record, text: append.keyed ? `{"key":${JSON.stringify(append.keyed.key)},"routedOn":${append.keyed.routedOn},"body":${body}}` : `{"body":${body}}` };
      }),
    );
    const notice: Notice = { kind: 'records', origin: this.origin, topics: this.topics };
    const { rows } = await this.pool.query<{ appended: unknown }>('SELECT stackhook_append_records($1, $2, $3::jsonb, $4, $5) AS appended', [
      this.name,
      this.lastSeq,
      `[${items.map((item) => item.text).join(',')}]`,
      this.channel.name,
      JSON.stringify(notice),
    ]);
    const answer = AppendAnswer.parse(rows[0]?.appended);
    // `won` and `stale` number items from 1, in `items` order; every keyed append has one item.
    const won = new Set(answer.won);
    const stale = new Set(answer.stale);
    const outcomes: KeyedOutcome[] = batch.map(() => 'appended');
    const written: z.output<S>[] = [];
    items.forEach((item, n) => {
      if (batch[item.i]?.keyed === undefined || won.has(n + 1)) written.push(item.record);
      else outcomes[item.i] = stale.has(n + 1) ? 'stale' : 'taken';
    });
    // This replica's records as it wrote them (typed already), beside others' as read from the table.
    const mine: Row<z.output<S>>[] = answer.mine.map((seq, k) => ({ seq, record: written[k] }));
    const read = [...mine, ...answer.others.map((row) => this.parsedRow(row.seq, row.body))].sort((a, b) => a.seq - b.seq);
    const listed = this.inTurn(async () => this.list(read));
    void listed.then(() => this.pruneAfter(written.length), () => undefined);
    return outcomes.map((outcome) => ({ outcome, listed }));
  }

  /** Every PRUNE_EVERY records, the oldest past `maxEntries` go; a failed prune is tried again later. */
  private async pruneAfter(written: number): Promise<void> {
    this.appendsSincePrune += written;
    if (this.appendsSincePrune < PRUNE_EVERY) return;
    this.appendsSincePrune = 0;
    await this.pool.query('DELETE FROM records WHERE log = $1 AND seq <= $2', [this.name, this.lastSeq - this.maxEntries]).catch(() => undefined);
  }

  private async readNew(): Promise<boolean> {
    const { rows } = await this.pool.query<{ seq: string; body: unknown }>('SELECT seq, body FROM records WHERE log = $1 AND seq > $2 ORDER BY seq', [this.name, this.lastSeq]);
    return this.list(rows.map((row) => this.parsedRow(Number(row.seq), row.body)));
  }

  /** A row of the table as a record; undefined when it does not parse (it is skipped). */
  private parsedRow(seq: number, body: unknown): Row<z.output<S>> {
    const parsed = this.schema.safeParse(body);
    return { seq, record: parsed.success ? parsed.data : undefined };
  }

  /** Lists records in sequence order; those already listed, by a read that overtook this one, are skipped. */
  private list(rows: readonly Row<z.output<S>>[]): boolean {
    let took = false;
    for (const row of rows) {
      if (row.seq <= this.lastSeq) continue;
      this.lastSeq = row.seq;
      took = true;
      if (row.record !== undefined) this.entries.push(row.record);
    }
    // Trimmed as the file log is at its rotation: rarely, and to fewer entries than readers last saw,
    // since they tell new entries by the array's length (a log kept at exactly its bound would never
    // seem to grow again).
    if (this.entries.length > this.maxEntries * 2) this.entries = this.entries.slice(-this.maxEntries);
    return took;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }
}
