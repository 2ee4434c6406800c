// The file store's deliveries log: every delivery Stackhook took, with the runs it queued, one line
// each (so R16 never sees runs without their delivery), listed once per delivery key.
import * as path from 'node:path';
import type { DeliveryVerdict } from '../../protocol';
import { AppendLog, DEFAULT_MAX_BYTES } from './appendLog';
import { StoredDelivery, deliveryKey } from '../storedDelivery';

export const DELIVERIES_FILE = 'deliveries.jsonl';

/** Verdicts of deliveries that passed every check; refusals (404, 410) are no reason to refuse a later attempt. */
const TAKEN_VERDICTS: ReadonlySet<DeliveryVerdict> = new Set(['queued', 'ignored', 'invalid']);

/**
 * The key a delivery is taken under (R16), or null for a refusal. Of two processes that record one
 * delivery at once, both write a line; the first in the file is the record, and every process lists
 * only that one, so the other attempt's runs never exist.
 */
export function takenKey(delivery: StoredDelivery): string | null {
  return TAKEN_VERDICTS.has(delivery.verdict) ? deliveryKey(delivery.integrationId, delivery.id) : null;
}

export function fileDeliveriesLog(store: string, maxEntries: number): AppendLog<typeof StoredDelivery> {
  return new AppendLog(path.join(store, DELIVERIES_FILE), StoredDelivery, maxEntries, DEFAULT_MAX_BYTES, takenKey);
}
