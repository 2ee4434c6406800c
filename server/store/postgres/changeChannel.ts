// LISTEN/NOTIFY on one channel: every replica hears every change, made by any replica, and passes the
// topics to its own editors as `stackhook/changed`. One dedicated connection listens per replica.
import type { Client, Pool, PoolClient } from 'pg';
import * as z from 'zod';
import { ChangeTopic } from '../../protocol';

export const CHANNEL = 'stackhook_changed';

const Notice = z.object({
  kind: z.enum(['registry', 'records', 'runLog']),
  origin: z.string(),
  topics: z.array(ChangeTopic),
  /** A `runLog` notice: which run's log grew, and to what size. */
  runId: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});
export type Notice = z.infer<typeof Notice>;

export class ChangeChannel {
  /** The channel's name, for a NOTIFY sent from SQL. */
  readonly name = CHANNEL;
  private readonly listeners = new Set<(notice: Notice) => void>();
  private listening: Promise<Client> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly connect: () => Promise<Client>,
    private readonly onError: (error: Error) => void,
  ) {}

  subscribe(listener: (notice: Notice) => void): () => void {
    this.listeners.add(listener);
    this.listening ??= this.listen();
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
    const client = await this.listening?.catch(() => null);
    this.listening = null;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<Client> {
    const client = await this.connect();
    client.on('error', (error) => this.onError(error));
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      let raw: unknown;
      try {
        raw = JSON.parse(message.payload);
      } catch {
        return;
      }
      const parsed = Notice.safeParse(raw);
      if (!parsed.success) return;
      for (const listener of this.listeners) listener(parsed.data);
    });
    await client.query(`LISTEN ${CHANNEL}`);
    return client;
  }
}
