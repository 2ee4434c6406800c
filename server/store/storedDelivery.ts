// A line of the deliveries log: the delivery as the protocol shows it, plus the runs it queued.
// The runs travel in the same line so that a delivery and its runs reach the disk in one write and
// one fsync: either both are recorded or neither is, which is what R16 de-duplication relies on.
import * as z from 'zod';
import { Delivery, QueuedRun } from '../protocol';

/**
 * Lines written before runs moved into the delivery record have no `runs` (their runs are in the
 * runs log); they load with none, so older stores keep their delivery history.
 */
export const StoredDelivery = Delivery.extend({
  runs: z.array(QueuedRun).default([]),
  /**
   * The process that recorded it (a run book owner id). Its runs are that process's from the moment
   * they are recorded, with no claim of their own: another process takes one only once it died.
   */
  recordedBy: z.string().optional(),
});
export type StoredDelivery = z.output<typeof StoredDelivery>;

/** The delivery as `stackhook/deliveries/list` shows it: the protocol's shape, without the runs. */
export function publicDelivery(stored: StoredDelivery): Delivery {
  const { runs: _runs, recordedBy: _recordedBy, ...delivery } = stored;
  return delivery;
}

/** The key a delivery is known by in every process and engine (R16): its integration and its X-Request-UUID. */
export const deliveryKey = (integrationId: string, requestUuid: string) => `${integrationId}\u0000${requestUuid}`;

/** How long either engine remembers that a delivery was taken (R16): a week, far longer than Bitbucket retries (twice, within minutes). */
export const DELIVERY_KEY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
