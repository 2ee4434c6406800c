// Runs shared by replicas on one database: their events in the records table, claims taken under an
// advisory lock (one replica's check-and-claim at a time), and a claim held as a lease: each replica
// beats every HEARTBEAT_MS, and one silent for LEASE_MS is dead, so another takes its runs over.
import type { Pool, PoolClient } from 'pg';
import type { SharedRuns } from '../../runs/runBook';
import type { RunEvent } from '../../runs/runEvent';
import type { RecordLog } from '../engine';

export const HEARTBEAT_MS = 2_000;
export const LEASE_MS = 10_000;

export class PostgresRunLeases implements SharedRuns {
  /** Replicas whose last beat is older than LEASE_MS, as of this replica's last beat. */
  private dead = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private locking: Promise<PoolClient> | null = null;
  private held: PoolClient | null = null;

  constructor(
    private readonly pool: Pool,
    readonly events: RecordLog<typeof RunEvent>,
    private readonly owner: string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** Beats now and every HEARTBEAT_MS; resolves after the first beat. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch((error: Error) => this.onError(error)), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    // The lock connection goes back to the pool now, so that ending the pool does not wait for it.
    this.held?.release();
    this.held = null;
    this.locking = null;
  }

  private lockClient(): Promise<PoolClient> {
    this.locking ??= this.pool.connect().then((client) => {
      // A dropped connection must not take the server down: the next claim connects again.
      client.on('error', (error) => {
        if (this.held === client) {
          this.held = null;
          this.locking = null;
          client.release(error);
        }
        this.onError(error);
      });
      this.held = client;
      return client;
    });
    return this.locking;
  }

  /**
   * Known dead, not "seen alive": a replica that started since this one's last beat has beaten before
   * it claimed anything, and must not lose its runs for being newer than what this one saw.
   */
  ownerAlive(owner: string): boolean {
    return owner === this.owner || !this.dead.has(owner);
  }

  /**
   * One claim at a time in this replica (an in-process turn), then the advisory lock across replicas on
   * a connection that only ever holds it: the claim itself reads through the pool, so waiting for the
   * lock on a pooled connection could starve the pool and leave the holder unable to finish.
   */
  withClaimLock<T>(action: () => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => {
      const client = await this.lockClient();
      await client.query("SELECT pg_advisory_lock(hashtext('stackhook.run-claims'))");
      try {
        return await action();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('stackhook.run-claims'))");
      }
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async beat(): Promise<void> {
    await this.pool.query('INSERT INTO replica_heartbeats (owner, seen_at) VALUES ($1, now()) ON CONFLICT (owner) DO UPDATE SET seen_at = now()', [this.owner]);
    const { rows } = await this.pool.query<{ owner: string }>('SELECT owner FROM replica_heartbeats WHERE seen_at <= now() - make_interval(secs => $1)', [LEASE_MS / 1000]);
    this.dead = new Set(rows.map((row) => row.owner));
  }
}
