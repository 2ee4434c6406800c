// R16: Bitbucket retries a delivery (same X-Request-UUID) when it saw no answer or a 5xx, and may
// retry while the first attempt is still being handled. The ledger answers "was this delivery
// already taken?" from the delivery log, from runs carrying its id (runs are written before the
// delivery record, so an answer lost between the two still counts), and from attempts in flight.
import type { Delivery, Run } from '../protocol';

/** Verdicts of deliveries that passed every check; refusals (404, 410) are no reason to refuse a later attempt. */
const TAKEN_VERDICTS: ReadonlySet<Delivery['verdict']> = new Set(['queued', 'ignored', 'invalid']);

export type PreviousDelivery = { delivery: Delivery; runs: readonly Run[] } | { delivery: null; runs: readonly Run[] };

/** What the ledger needs of an AppendLog. */
interface Log<T> {
  all(): readonly T[];
  refresh(): Promise<boolean>;
}

/** An index over an append log's entries that catches up incrementally and rebuilds after a rotation. */
class LogIndex<T> {
  private source: readonly T[] | null = null;
  private seen = 0;
  private readonly byKey = new Map<string, T[]>();

  constructor(private readonly keyOf: (item: T) => string | null) {}

  get(all: readonly T[], key: string): readonly T[] {
    if (all !== this.source || all.length < this.seen) {
      this.byKey.clear();
      this.source = all;
      this.seen = 0;
    }
    for (; this.seen < all.length; this.seen += 1) {
      const item = all[this.seen] as T;
      const itemKey = this.keyOf(item);
      if (itemKey === null) continue;
      const list = this.byKey.get(itemKey);
      if (list) list.push(item);
      else this.byKey.set(itemKey, [item]);
    }
    return this.byKey.get(key) ?? [];
  }
}

const deliveryKey = (integrationId: string, requestUuid: string) => `${integrationId}\u0000${requestUuid}`;

export class DeliveryLedger {
  private readonly deliveryIndex = new LogIndex<Delivery>((d) => (TAKEN_VERDICTS.has(d.verdict) ? deliveryKey(d.integrationId, d.id) : null));
  private readonly runIndex = new LogIndex<Run>((run) => run.deliveryId);
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deliveries: Log<Delivery>,
    private readonly runs: Log<Run>,
  ) {}

  /** The first taken attempt of this delivery, if any; another process's records included. */
  async previous(integrationId: string, requestUuid: string): Promise<PreviousDelivery | null> {
    await Promise.all([catchUp(this.deliveries), catchUp(this.runs)]);
    const delivery = this.deliveryIndex.get(this.deliveries.all(), deliveryKey(integrationId, requestUuid))[0] ?? null;
    const runs = this.runIndex.get(this.runs.all(), requestUuid);
    if (delivery) return { delivery, runs };
    return runs.length > 0 ? { delivery: null, runs } : null;
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
