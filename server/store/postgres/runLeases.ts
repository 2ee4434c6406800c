// Runs shared by replicas on one database: their events in the records table (claims are decided by
// the events themselves, see server/runs/runEvent.ts), and each replica's heartbeat: it beats every
// HEARTBEAT_MS, and one silent for LEASE_MS is dead, so another may start the runs it queued. What
// keeps two replicas from running one stack at once is not this but the stack's lock (stackLocks.ts).
import type { Pool } from 'pg';
import type { RunEvent } from '../runEvents';
import type { RecordLog, RunClaims } from '../storeEngine';

export const HEARTBEAT_MS = 2_000;
export const LEASE_MS = 10_000;

export class PostgresRunLeases implements RunClaims {
  /** Replicas whose last beat is older than LEASE_MS, as of this replica's last beat. */
  private dead = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

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
  }

  /**
   * Known dead, not "seen alive": a replica that started since this one's last beat has beaten before
   * it queued anything, and must not lose its runs for being newer than what this one saw.
   */
  ownerAlive(owner: string): boolean {
    return owner === this.owner || !this.dead.has(owner);
  }

  private async beat(): Promise<void> {
    await this.pool.query('INSERT INTO replica_heartbeats (owner, seen_at) VALUES ($1, now()) ON CONFLICT (owner) DO UPDATE SET seen_at = now()', [this.owner]);
    const { rows } = await this.pool.query<{ owner: string }>('SELECT owner FROM replica_heartbeats WHERE seen_at <= now() - make_interval(secs => $1)', [LEASE_MS / 1000]);
    this.dead = new Set(rows.map((row) => row.owner));
  }
}
