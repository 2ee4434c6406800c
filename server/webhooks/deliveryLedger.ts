// R16: Bitbucket retries a delivery (same X-Request-UUID) when it saw no answer or a 5xx, and may
// retry while the first attempt is still being handled. The ledger answers "was this delivery
// already taken?" from the deliveries log (a delivery and its runs are one line, written at once, so
// a recorded delivery always carries its runs) and from attempts in flight in this process.
import { deliveryKey, takenKey } from './deliveriesLog';
import type { StoredDelivery } from './storedDelivery';

/** What the ledger needs of an AppendLog. */
interface Log<T> {
  all(): readonly T[];
  refresh(): Promise<boolean>;
}


export class DeliveryLedger {
  /** The first taken attempt per delivery key, caught up incrementally and rebuilt after a rotation. */
  private readonly firstByKey = new Map<string, StoredDelivery>();
  private source: readonly StoredDelivery[] | null = null;
  private seen = 0;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deliveries: Log<StoredDelivery>) {}

  /** The first taken attempt of this delivery, with the runs it queued; another process's records included. */
  async previous(integrationId: string, requestUuid: string): Promise<StoredDelivery | null> {
    await catchUp(this.deliveries);
    this.index(this.deliveries.all());
    return this.firstByKey.get(deliveryKey(integrationId, requestUuid)) ?? null;
  }

  /**
   * The same, from the log as this process last read it, without looking for other processes'
   * appends: that look waits for a write in flight (its fsync) to land, on every delivery's path.
   * Enough where another process's recent deliveries are found otherwise (the accepted index):
   * what it adds is the deliveries recorded before the index existed, read when the log was loaded.
   */
  recorded(integrationId: string, requestUuid: string): StoredDelivery | null {
    this.index(this.deliveries.all());
    return this.firstByKey.get(deliveryKey(integrationId, requestUuid)) ?? null;
  }

  /** Runs `work` for one delivery at a time: a retry that arrives mid-handling waits for the first attempt. */
  async exclusively<T>(integrationId: string, requestUuid: string, work: () => Promise<T>): Promise<T> {
    const key = deliveryKey(integrationId, requestUuid);
    for (let pending = this.inFlight.get(key); pending; pending = this.inFlight.get(key)) await pending.catch(() => undefined);
    // Nothing awaits between the check above and this line, so no second attempt can slip in.
    const task = work();
    this.inFlight.set(key, task);
    try {
      return await task;
    } finally {
      if (this.inFlight.get(key) === task) this.inFlight.delete(key);
    }
  }

  private index(all: readonly StoredDelivery[]): void {
    // The log replaces its array when it reloads or trims after a rotation: start over then.
    if (all !== this.source || all.length < this.seen) {
      this.firstByKey.clear();
      this.source = all;
      this.seen = 0;
    }
    for (; this.seen < all.length; this.seen += 1) {
      const delivery = all[this.seen] as StoredDelivery;
      const key = takenKey(delivery);
      if (key !== null && !this.firstByKey.has(key)) this.firstByKey.set(key, delivery);
    }
  }
}

/** Reads another process's appends (this process's own are read back as they are written). */
async function catchUp(log: Log<unknown>): Promise<void> {
  try {
    await log.refresh();
  } catch {
    // An unreadable tail (another process mid-rotation) must not fail the delivery: memory still holds
    // every record read so far, and the next delivery looks again.
  }
}
