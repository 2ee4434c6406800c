// The one place a run is queued, whoever asks for it: a delivery (webhooks/deliveryActions.ts) or a
// person triggering or retrying one (operations/stacks.ts). Each run gets its id and creation time
// here and is written down by the caller's own step: a manual run in the runs log, a delivery's runs
// in its line of the deliveries log, with the delivery (R16). Only once recorded are runs announced
// and handed to the engine of this process, which runs what it queued (it holds their credential).
import type { ChangeTopic, QueuedRun } from '../protocol';
import { newRunId } from './runIds';
import type { RunService } from './service';

/** A run to queue: what it runs, before it has an id. */
export type RunRequest = Omit<QueuedRun, 'id' | 'deliveryId' | 'createdAt'>;

export interface QueueHost {
  /** Absent where nothing executes runs (unit tests of rules): the runs are only recorded. */
  readonly execution?: RunService | undefined;
  changed(topics: ChangeTopic[]): void;
}

/** What the caller's recording step gave: its answer, and the views it changed (null: nothing was recorded). */
export interface Recording<T> {
  result: T;
  changed: ChangeTopic[] | null;
}

/**
 * Queues runs for `requests`, all created at `origin.at`. `record` writes them down, with this
 * process as their owner (undefined where nothing executes runs); if it recorded them, the editors
 * hear of it and the engine starts on their stacks. Answers what `record` answered.
 */
export async function queueRuns<T>(
  host: QueueHost,
  requests: readonly RunRequest[],
  origin: { deliveryId: string | null; at: Date },
  record: (runs: QueuedRun[], owner: string | undefined) => Promise<Recording<T>>,
): Promise<T> {
  // One string for every run: a busy receiver keeps thousands of runs in memory.
  const createdAt = origin.at.toISOString();
  const runs = requests.map((request) => ({ id: newRunId(origin.at), ...request, deliveryId: origin.deliveryId, createdAt }));
  const { result, changed } = await record(runs, host.execution?.owner);
  if (changed !== null) {
    host.changed(changed);
    host.execution?.start(runs);
  }
  return result;
}
