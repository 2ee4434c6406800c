// PostgreSQL's stack locks (StackLocks in ../storeEngine.ts): a session-level advisory lock per stack, all
// of a replica's held on one connection that does nothing else. A replica that dies closes its
// connection and the database releases its locks at once; a paused one keeps them for as long as its
// connection lives. If the connection drops, every lock on it is lost together: the replica hears it
// (the `lost` signal) and stops what it ran under them, and another replica may take the stacks.
// Each acquisition also counts up the stack's fence in `stack_fences`, under the lock.
import type { Client } from 'pg';
import type { StackLease, StackLocks } from '../storeEngine';

/** The advisory lock's first key: Stackhook's stack locks, apart from any other advisory lock (ASCII "STKL"). */
const STACK_LOCK_CLASS = 0x53544b4c;
/** A query now and then on the lock connection, so a connection that died quietly is noticed. */
const KEEPALIVE_MS = 2_000;

interface Session {
  client: Client;
  controller: AbortController;
  keepalive: NodeJS.Timeout;
}

export class PostgresStackLocks implements StackLocks {
  private session: Promise<Session> | null = null;
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly connect: () => Promise<Client>,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  tryAcquire(stackId: string): Promise<StackLease | null> {
    // One query at a time on the connection: pg queues them anyway, this keeps acquire and release in order.
    return this.inTurn(async () => {
      if (this.closed) return null;
      const session = await this.open();
      const { rows } = await session.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [STACK_LOCK_CLASS, stackId]);
      if (rows[0]?.locked !== true) return null;
      const fenced = await session.client.query<{ fence: string }>(
        'INSERT INTO stack_fences (stack_id, fence) VALUES ($1, 1) ON CONFLICT (stack_id) DO UPDATE SET fence = stack_fences.fence + 1 RETURNING fence',
        [stackId],
      );
      return new PostgresLease(stackId, Number(fenced.rows[0]?.fence), session.controller.signal, () => this.release(session, stackId));
    });
  }

  private release(session: Session, stackId: string): Promise<void> {
    return this.inTurn(async () => {
      if (session.controller.signal.aborted) return; // the connection is gone, and its locks with it
      await session.client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [STACK_LOCK_CLASS, stackId]).catch((error: Error) => this.drop(session, error));
    });
  }

  private open(): Promise<Session> {
    this.session ??= this.connect().then(
      (client) => {
        const session: Session = {
          client,
          controller: new AbortController(),
          keepalive: setInterval(() => void client.query('SELECT 1').catch((error: Error) => this.drop(session, error)), KEEPALIVE_MS),
        };
        session.keepalive.unref();
        client.on('error', (error) => this.drop(session, error));
        client.on('end', () => this.drop(session, new Error('the connection holding the stack locks ended')));
        return session;
      },
      (error: unknown) => {
        this.session = null;
        throw error;
      },
    );
    return this.session;
  }

  /** Every lock of the session is lost with it; the next acquisition connects again. */
  private drop(session: Session, error: Error): void {
    if (session.controller.signal.aborted) return;
    clearInterval(session.keepalive);
    session.controller.abort(new Error(`The connection holding this replica's stack locks failed: ${error.message}`));
    this.session = null;
    session.client.end().catch(() => undefined);
    if (!this.closed) this.onError(error);
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = await this.session?.catch(() => null);
    if (session) this.drop(session, new Error('the server is stopping'));
  }
}

class PostgresLease implements StackLease {
  private released = false;

  constructor(
    readonly stackId: string,
    readonly fence: number,
    readonly lost: AbortSignal,
    private readonly unlock: () => Promise<void>,
  ) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.unlock();
  }
}
