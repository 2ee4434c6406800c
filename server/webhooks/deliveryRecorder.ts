// R16: of all attempts of one delivery (same integration, same X-Request-UUID), whichever process
// receives them, exactly one is recorded with the runs it queued; every other attempt is answered
// with the one recorded first. Each engine keeps that promise its own way: the file store with one
// claim file per delivery beside its log (acceptedIndex.ts), PostgreSQL with a unique key that commits
// with the record (store/postgres/deliveryClaims.ts).
import { describeError } from '../errors';
import type { Logger } from '../log';
import type { Registry } from '../store/engine';
import type { RegistryState } from '../store/schema';
import type { AcceptedIndex } from './acceptedIndex';
import type { DeliveryLedger } from './deliveryLedger';
import { printable } from './printable';
import type { StoredDelivery } from './storedDelivery';

export type Recorded = { kind: 'recorded' } | { kind: 'taken'; first: StoredDelivery | null } | { kind: 'stale' };

export interface DeliveryRecorder {
  /**
   * The registry to check and route a delivery against: the latest the engine can give without a
   * round trip to a database, since `recordFirst` tells when it was not the latest.
   */
  routingState(): Promise<RegistryState>;
  /**
   * Records an accepted delivery with its runs, durably, unless an attempt of it was recorded first:
   * then answers that one (null when it is still being recorded elsewhere). Answers stale, and records
   * nothing, when the registry changed since `routedOn` (the state's revision it was routed on): the
   * delivery is routed again on the latest state. A throw records nothing.
   */
  recordFirst(stored: StoredDelivery, routedOn: RegistryState): Promise<Recorded>;
}

/** What the recorder needs of the deliveries log. */
interface DeliveriesLog {
  append(records: readonly StoredDelivery[]): Promise<void>;
}

/**
 * The file store: the claim file first (taken with O_EXCL), then the log line, then the claim's
 * record. Reading the registry file costs a stat, so deliveries are routed on it as just read.
 */
export class FileDeliveryRecorder implements DeliveryRecorder {
  constructor(
    private readonly store: Registry,
    private readonly index: AcceptedIndex,
    private readonly ledger: DeliveryLedger,
    private readonly deliveries: DeliveriesLog,
    private readonly log: Logger,
  ) {}

  routingState(): Promise<RegistryState> {
    return this.store.read();
  }

  async recordFirst(stored: StoredDelivery): Promise<Recorded> {
    // Deliveries recorded before the index existed are found in the log (as loaded: any later one is in the index).
    const previous = this.ledger.recorded(stored.integrationId, stored.id);
    if (previous) return { kind: 'taken', first: previous };
    const claim = await this.index.claim(stored.integrationId, stored.id);
    if (claim.kind === 'taken') return { kind: 'taken', first: claim.first ?? (await this.ledger.previous(stored.integrationId, stored.id)) };
    // A taker that died may have recorded it just before (its line is in the log, its record not here yet).
    const recordedBefore = claim.takenOver ? await this.ledger.previous(stored.integrationId, stored.id) : null;
    if (recordedBefore) {
      await claim.done(recordedBefore).catch(() => claim.abandon());
      return { kind: 'taken', first: recordedBefore };
    }
    try {
      await this.deliveries.append([stored]);
    } catch (error) {
      // Not recorded: a retry must be taken as new.
      await claim.abandon().catch(() => undefined);
      throw error;
    }
    await claim.done(stored).catch(async (error: unknown) => {
      // Recorded in the log, which the ledger reads: a retry is still found there.
      this.log.warn(`Delivery ${printable(stored.id)} is recorded but not in the index of accepted deliveries: ${describeError(error)}`);
      await claim.abandon().catch(() => undefined);
    });
    return { kind: 'recorded' };
  }
}
