// R16 across replicas: the first attempt of a delivery to reach any replica is recorded, by the
// primary key (integration id, X-Request-UUID) of `accepted_deliveries` — a unique constraint, not a
// check then an insert. The key is taken in the very statement that appends the delivery to its log
// (`stackhook_append_records`, migration 4), so there is no claim without its record: a replica that
// dies mid-way leaves nothing behind, and an attempt on another replica waits for the first one's
// commit (the log's advisory lock) and then finds its record.
import type { Pool } from 'pg';
import type { RegistryState } from '../../registry/state';
import { DELIVERY_KEY_RETENTION_MS, StoredDelivery } from '../storedDelivery';
import type { DeliveryRecorder, Recorded } from '../storeEngine';
import type { PostgresLog } from './recordLog';
import type { PostgresRegistry } from './registry';

const PRUNE_EVERY_MS = 60 * 60 * 1000;

export class PostgresDeliveryClaims implements DeliveryRecorder {
  private lastPrune = 0;

  constructor(
    private readonly pool: Pool,
    private readonly deliveries: PostgresLog<typeof StoredDelivery>,
    private readonly registry: PostgresRegistry,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forgets the keys of deliveries taken more than DELIVERY_KEY_RETENTION_MS ago; answers how many. */
  async prune(): Promise<number> {
    const result = await this.pool.query('DELETE FROM accepted_deliveries WHERE claimed_at < $1', [new Date(this.now() - DELIVERY_KEY_RETENTION_MS)]);
    return result.rowCount ?? 0;
  }

  /**
   * The registry as this replica last knew it, without a query: the append checks the revision it was
   * routed on under the log's lock, so a delivery routed on a state another replica has changed since
   * is answered stale and routed again, never recorded on it.
   */
  routingState(): Promise<RegistryState> {
    return Promise.resolve(this.registry.snapshot);
  }

  async recordFirst(stored: StoredDelivery, routedOn: RegistryState): Promise<Recorded> {
    if (this.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = this.now();
      void this.prune().catch(() => undefined);
    }
    const outcome = await this.deliveries.appendOnce(stored, [stored.integrationId, stored.id], routedOn.revision);
    if (outcome === 'appended') return { kind: 'recorded' };
    if (outcome === 'stale') return { kind: 'stale' };
    return { kind: 'taken', first: await this.first(stored.integrationId, stored.id) };
  }

  private async first(integrationId: string, requestUuid: string): Promise<StoredDelivery | null> {
    const { rows } = await this.pool.query<{ delivery: unknown }>('SELECT delivery FROM accepted_deliveries WHERE integration_id = $1 AND request_uuid = $2', [integrationId, requestUuid]);
    const parsed = StoredDelivery.safeParse(rows[0]?.delivery);
    return parsed.success ? parsed.data : null;
  }
}
