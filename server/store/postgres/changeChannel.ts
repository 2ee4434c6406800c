// LISTEN/NOTIFY on one channel: every replica hears every change, made by any replica, and passes the
// topics to its own editors as `stackhook/changed`. One dedicated connection listens per replica.
import type { Client, Pool, PoolClient } from 'pg';
import * as z from 'zod';
import { asError } from '../../errors';
import { ChangeTopic } from '../../protocol';

export const CHANNEL = 'stackhook_changed';

const Notice = z.object({
  /** `tokens`: a token was revoked (by any process, `tokens revoke` on the host included). */
  kind: z.enum(['registry', 'records', 'runLog', 'tokens']),
  origin: z.string(),
  topics: z.array(ChangeTopic),
  /** A `runLog` notice: which run's log grew, and to what size. */
  runId: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});
export type Notice = z.infer<typeof Notice>;

/** Waits before listening again after the connection was lost, doubling up to the most. */
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MOST_MS = 30_000;

/**
 * What listeners are told once listening again: notices sent meanwhile were missed, so the registry
 * and the records may have changed in any way (each listener reads afresh what it keeps).
 */
const MISSED: readonly Notice[] = [
  { kind: 'registry', origin: 'stackhook.listening-again', topics: ['integrations', 'stacks', 'spaces'] },
  { kind: 'records', origin: 'stackhook.listening-again', topics: ['deliveries', 'runs'] },
  { kind: 'tokens', origin: 'stackhook.listening-again', topics: [] },
];

export class ChangeChannel {
  /** The channel's name, for a NOTIFY sent from SQL. */
  readonly name = CHANNEL;
  private readonly listeners = new Set<(notice: Notice) => void>();
  private listening: Promise<Client> | null = null;
  private client: Client | null = null;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly connect: () => Promise<Client>,
    private readonly onError: (error: Error) => void,
  ) {}

  subscribe(listener: (notice: Notice) => void): () => void {
    this.listeners.add(listener);
    if (this.listening === null && this.retry === undefined) this.listenNow(RECONNECT_FIRST_MS, false);
    return () => this.listeners.delete(listener);
  }

  /** NOTIFY inside the caller's transaction: listeners hear it only if it commits. */
  async notifyWithin(client: PoolClient, notice: Notice): Promise<void> {
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)]);
  }

  async notify(notice: Notice): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    const client = await this.listening?.catch(() => null);
    this.listening = null;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** Listens; should that fail, or the connection be lost later, listens again after `delayMs`, then longer. */
  private listenNow(delayMs: number, missedSome: boolean): void {
    const listening = this.listen();
    this.listening = listening;
    listening.then(
      () => {
        if (missedSome) for (const notice of MISSED) this.tell(notice);
      },
      (error: unknown) => {
        this.onError(asError(error));
        if (this.listening === listening) this.listenLater(delayMs, true);
      },
    );
  }

  private listenLater(delayMs: number, missedSome: boolean): void {
    this.listening = null;
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed) this.listenNow(Math.min(delayMs * 2, RECONNECT_MOST_MS), missedSome);
    }, delayMs);
    this.retry.unref();
  }

  private async listen(): Promise<Client> {
    const client = await this.connect();
    const lost = () => {
      if (this.client !== client || this.closed) return;
      // A dropped connection (the database restarted, a proxy timed out) must not silence this replica.
      this.client = null;
      this.listenLater(RECONNECT_FIRST_MS, true);
    };
    client.on('error', (error) => {
      this.onError(error);
      lost();
    });
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      let raw: unknown;
      try {
        raw = JSON.parse(message.payload);
      } catch {
        return;
      }
      const parsed = Notice.safeParse(raw);
      if (parsed.success) this.tell(parsed.data);
    });
    this.client = client;
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.client = null;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) await client.end().catch(() => undefined);
    return client;
  }

  private tell(notice: Notice): void {
    for (const listener of this.listeners) listener(notice);
  }
}
