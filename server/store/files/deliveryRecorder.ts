// R16 in the file engine (DeliveryRecorder in storeEngine.ts): of all attempts of one delivery, whichever
// process receives them, the deliveries log decides which is recorded, for it lists only the first
// line of each delivery (deliveriesLog.ts); the accepted keys remember deliveries the log has let go.
import type { RegistryState } from '../../registry/state';
import { deliveryKey, type StoredDelivery } from '../storedDelivery';
import type { DeliveryRecorder, RecordLog, Recorded, Registry } from '../storeEngine';
import { AcceptedKeys, acceptedKey } from './acceptedKeys';
import { takenKey } from './deliveriesLog';

/** What the file recorder needs of the deliveries log: one listed record per delivery key (deliveriesLog.ts). */
export interface KeyedDeliveriesLog {
  append(records: readonly StoredDelivery[]): Promise<void>;
  /** Reads other processes' appends. */
  refresh(): Promise<boolean>;
  firstOf(key: string): StoredDelivery | undefined;
}

/**
 * The file store's log, which lists deliveries by key. Any other log would let two attempts both be
 * recorded, so it is refused here rather than trusted.
 */
export function keyedDeliveriesLog(log: RecordLog<typeof StoredDelivery>): KeyedDeliveriesLog {
  const keyed = log as RecordLog<typeof StoredDelivery> & Partial<KeyedDeliveriesLog> & { uniqueBy?: unknown };
  if (typeof keyed.firstOf !== 'function' || keyed.uniqueBy !== takenKey) throw new Error(`${log.file} does not list deliveries by key, as the file store's deliveries log does`);
  return keyed as RecordLog<typeof StoredDelivery> & KeyedDeliveriesLog;
}

/** The file engine's recorder over its deliveries log, remembering keys in the store's folder. */
export function fileDeliveryRecorder(registry: Registry, deliveries: RecordLog<typeof StoredDelivery>, warn: (message: string) => void): FileDeliveryRecorder {
  return new FileDeliveryRecorder(registry, keyedDeliveriesLog(deliveries), new AcceptedKeys(registry.folder, warn));
}

/**
 * The file store: the delivery is appended to its log (group-committed with the others in flight),
 * and the log, read back up to that line, says whether it is the record or an attempt another process
 * wrote first. Reading the registry file costs a stat, so deliveries are routed on it as just read.
 */
export class FileDeliveryRecorder implements DeliveryRecorder {
  constructor(
    private readonly store: Registry,
    private readonly deliveries: KeyedDeliveriesLog,
    private readonly accepted: AcceptedKeys,
  ) {}

  routingState(): Promise<RegistryState> {
    return this.store.read();
  }

  async recordFirst(stored: StoredDelivery): Promise<Recorded> {
    const key = deliveryKey(stored.integrationId, stored.id);
    // The log as this process last read it first: looking for other processes' appends would wait
    // for a write in flight (its fsync), on every delivery's path.
    const previous = this.deliveries.firstOf(key);
    if (previous) return { kind: 'taken', first: previous };
    const remembered = acceptedKey(stored.integrationId, stored.id);
    const earlier = this.accepted.accepted(remembered);
    if (earlier) return { kind: 'taken', first: await this.latestFirstOf(key), earlier };
    await this.deliveries.append([stored]);
    // The append read the log back past its own line: what is listed under this key is the record.
    const first = this.deliveries.firstOf(key);
    if (first && !isAttempt(first, stored)) return { kind: 'taken', first };
    this.accepted.add(remembered, new Date(stored.receivedAt), stored.verdict);
    return { kind: 'recorded' };
  }

  /** The record under `key`, another process's recent appends included. */
  private async latestFirstOf(key: string): Promise<StoredDelivery | null> {
    try {
      await this.deliveries.refresh();
    } catch {
      // An unreadable tail (another process mid-rotation): memory still holds every record read so far.
    }
    return this.deliveries.firstOf(key) ?? null;
  }
}

/**
 * Whether the listed record is this attempt's line: the same object when nobody wrote in between,
 * else read back from the file. Run ids are random, and only an attempt with no runs can match
 * another process's at the same millisecond, which then queued nothing either.
 */
function isAttempt(listed: StoredDelivery, stored: StoredDelivery): boolean {
  if (listed === stored) return true;
  return (
    listed.receivedAt === stored.receivedAt &&
    listed.recordedBy === stored.recordedBy &&
    listed.runs.length === stored.runs.length &&
    listed.runs.every((run, i) => run.id === stored.runs[i]?.id)
  );
}
