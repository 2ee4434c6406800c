// The drift slots of a PostgreSQL store (R27): a row per stack with its last claimed slot. A claim is
// one upsert that changes a row only for a later slot and returns the rows it wrote: the database
// decides, under the row's lock, which of several replicas claiming one slot gets it.
import type { Pool } from 'pg';
import type { DriftSlots, SlotClaim } from '../storeEngine';

export class PostgresDriftSlots implements DriftSlots {
  constructor(private readonly pool: Pool) {}

  async lastSlots(): Promise<Map<string, Date>> {
    const { rows } = await this.pool.query<{ stack_id: string; slot: Date }>('SELECT stack_id, slot FROM drift_slots');
    return new Map(rows.map((row) => [row.stack_id, row.slot]));
  }

  async claim(claims: readonly SlotClaim[], by: string): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const { rows } = await this.pool.query<{ stack_id: string }>(
      `INSERT INTO drift_slots (stack_id, slot, claimed_by, claimed_at)
       SELECT stack_id, slot, $3, now() FROM unnest($1::text[], $2::timestamptz[]) AS claim (stack_id, slot)
       ON CONFLICT (stack_id) DO UPDATE SET slot = EXCLUDED.slot, claimed_by = EXCLUDED.claimed_by, claimed_at = EXCLUDED.claimed_at
       WHERE drift_slots.slot < EXCLUDED.slot
       RETURNING stack_id`,
      [claims.map((claim) => claim.stackId), claims.map((claim) => claim.slot.toISOString()), by],
    );
    return new Set(rows.map((row) => row.stack_id));
  }
}
