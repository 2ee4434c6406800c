// A run as a request answers it: its queued record with everything that happened to it since.
import type { QueuedRun, Run } from '../protocol';
import { queuedRecord } from './runEvent';
import type { RunService } from './service';

/** As the run book has it, or as queued where nothing executes runs (unit tests of rules). */
export function currentRun(execution: RunService | undefined, run: QueuedRun): Run {
  return execution?.book.current(run) ?? queuedRecord(run).run;
}
