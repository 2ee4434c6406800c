// The registry in PostgreSQL: one JSON document, read through a revision check and changed in a
// transaction that holds its row (SELECT … FOR UPDATE), so changes from several replicas never lose
// one another. Every change is announced with NOTIFY; each replica LISTENs and tells its editors.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ChangeTopic } from '../../protocol';
import { describeIssues } from '../../zodIssues';
import { Batched } from '../batched';
import { StoreCorruptError, UnsupportedVersionError, changedTopics, migrate } from '../registryDocument';
import { RegistryState, emptyState } from '../../registry/state';
import { ChangeChannel } from './changeChannel';

export class PostgresRegistry {
  private current: RegistryState;
  private revision: number;
  /** Tells this replica's own NOTIFYs from other replicas'. */
  private readonly origin = randomUUID();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reads = new Batched<null, RegistryState>(async (waiting) => {
    const state = await this.readLatest();
    return waiting.map(() => state);
  });

  private constructor(
    private readonly pool: Pool,
    private readonly channel: ChangeChannel,
    /** Where the registry is, as `stackhook/status` names it (the database URL without its password). */
    readonly folder: string,
    initial: { state: RegistryState; revision: number },
  ) {
    this.current = initial.state;
    this.revision = initial.revision;
  }

  /** Opens the registry, creating it (with `firstUser` as root admin) in a new database. */
  static async open(pool: Pool, channel: ChangeChannel, location: string, firstUser: string): Promise<PostgresRegistry> {
    // Of replicas starting at once on a new database, one inserts; the others find its row.
    await pool.query('INSERT INTO registry (id, revision, state) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING', [JSON.stringify(emptyState(firstUser))]);
    const { rows } = await pool.query<{ revision: string; state: unknown }>('SELECT revision, state FROM registry WHERE id = 1');
    const row = rows[0];
    if (!row) throw new Error('The registry row vanished while the registry was opened.');
    return new PostgresRegistry(pool, channel, location, { state: parseState(row.state, location), revision: Number(row.revision) });
  }

  get snapshot(): RegistryState {
    return this.current;
  }

  /**
   * The latest state. Reads asked for while one is in flight share the next query, issued after they
   * were asked, so each still sees every change committed before it asked, at one query per wave.
   */
  read(): Promise<RegistryState> {
    return this.reads.submit(null);
  }

  private async readLatest(): Promise<RegistryState> {
    const { rows } = await this.pool.query<{ revision: string; state?: unknown }>(
      // The document is sent only when it changed since this replica last read it.
      'SELECT revision, CASE WHEN revision <> $1 THEN state END AS state FROM registry WHERE id = 1',
      [this.revision],
    );
    const row = rows[0];
    // A change this replica committed while the query ran is newer than what the query saw.
    if (row && Number(row.revision) > this.revision && row.state !== null && row.state !== undefined) {
      this.current = parseState(row.state, this.folder);
      this.revision = Number(row.revision);
    }
    return this.current;
  }

  /**
   * Applies `change` to the latest state inside a transaction that holds the registry's row, so a
   * change made by another replica meanwhile waits rather than being overwritten. If `change` throws,
   * nothing is written: validate, then act.
   */
  update<T>(change: (draft: RegistryState) => T): Promise<T> {
    const run = this.queue.then(() => this.transaction(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Calls `listener` with what changed whenever another replica changes the registry. */
  onExternalChange(listener: (topics: ChangeTopic[]) => void): () => void {
    return this.channel.subscribe((notice) => {
      if (notice.origin === this.origin || notice.kind !== 'registry') return;
      const before = this.current;
      void this.read().then(
        (after) => {
          const topics = changedTopics(before, after);
          if (topics.length > 0) listener(topics);
        },
        () => undefined,
      );
    });
  }

  close(): void {
    // The pool and the channel belong to the engine, which closes them.
  }

  private async transaction<T>(change: (draft: RegistryState) => T): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ revision: string; state: unknown }>('SELECT revision, state FROM registry WHERE id = 1 FOR UPDATE');
      const row = rows[0];
      if (!row) throw new Error('The registry row is missing from the database.');
      const draft = parseState(row.state, this.folder);
      const before = JSON.stringify(draft);
      const result = change(draft);
      const revision = Number(row.revision) + 1;
      draft.revision = revision;
      await client.query('UPDATE registry SET revision = $1, state = $2 WHERE id = 1', [revision, JSON.stringify(draft)]);
      // Delivered to listeners only if the transaction commits.
      await this.channel.notifyWithin(client, { kind: 'registry', origin: this.origin, topics: changedTopics(JSON.parse(before) as RegistryState, draft) });
      await client.query('COMMIT');
      this.current = draft;
      this.revision = revision;
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function parseState(raw: unknown, where: string): RegistryState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StoreCorruptError(where, 'the registry row does not hold a JSON object', null);
  let migrated: Record<string, unknown>;
  try {
    migrated = migrate(raw as Record<string, unknown>);
  } catch (error) {
    if (error instanceof UnsupportedVersionError) throw new StoreCorruptError(where, error.message, null);
    throw error;
  }
  const parsed = RegistryState.safeParse(migrated);
  if (!parsed.success) {
    throw new StoreCorruptError(where, `the registry row does not have the shape of a Stackhook registry (${describeIssues(parsed.error, '', 1)})`, null);
  }
  return parsed.data;
}
