// R16 across replicas: the first attempt of a delivery to reach any replica takes it, by the primary
// key (integration id, X-Request-UUID) — a unique constraint, not a check then an insert. A retry
// waits for the first attempt to be recorded and is answered with it; a claim whose replica died is
// taken over once it is older than ABANDONED_MS.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Claim, DeliveryClaims } from '../../webhooks/acceptedIndex';
import { StoredDelivery } from '../../webhooks/storedDelivery';

const ABANDONED_MS = 60_000;
const WAIT_STEP_MS = 25;
const WAIT_LIMIT_MS = 8_000;

export class PostgresDeliveryClaims implements DeliveryClaims {
  private readonly holder = randomUUID();

  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(integrationId: string, requestUuid: string): Promise<Claim> {
    const key = [integrationId, requestUuid];
    const deadline = this.now() + WAIT_LIMIT_MS;
    for (;;) {
      const inserted = await this.pool.query(
        'INSERT INTO accepted_deliveries (integration_id, request_uuid, holder, claimed_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING',
        [...key, this.holder],
      );
      if (inserted.rowCount === 1) return this.claimed(integrationId, requestUuid);
      const { rows } = await this.pool.query<{ delivery: unknown; age_ms: number }>(
        'SELECT delivery, EXTRACT(EPOCH FROM (now() - claimed_at)) * 1000 AS age_ms FROM accepted_deliveries WHERE integration_id = $1 AND request_uuid = $2',
        key,
      );
      const row = rows[0];
      if (!row) continue; // abandoned and removed meanwhile: try again
      if (row.delivery !== null) {
        const parsed = StoredDelivery.safeParse(row.delivery);
        return { kind: 'taken', first: parsed.success ? parsed.data : null };
      }
      if (Number(row.age_ms) > ABANDONED_MS) {
        const takeover = await this.pool.query(
          'UPDATE accepted_deliveries SET holder = $3, claimed_at = now() WHERE integration_id = $1 AND request_uuid = $2 AND delivery IS NULL AND claimed_at < now() - make_interval(secs => $4)',
          [...key, this.holder, ABANDONED_MS / 1000],
        );
        if (takeover.rowCount === 1) return this.claimed(integrationId, requestUuid);
        continue;
      }
      if (this.now() > deadline) return { kind: 'taken', first: null };
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  private claimed(integrationId: string, requestUuid: string): Claim {
    const key = [integrationId, requestUuid, this.holder];
    return {
      kind: 'claimed',
      done: async (delivery) => {
        await this.pool.query('UPDATE accepted_deliveries SET delivery = $4 WHERE integration_id = $1 AND request_uuid = $2 AND holder = $3', [...key, JSON.stringify(delivery)]);
      },
      abandon: async () => {
        await this.pool.query('DELETE FROM accepted_deliveries WHERE integration_id = $1 AND request_uuid = $2 AND holder = $3 AND delivery IS NULL', key);
      },
    };
  }
}
