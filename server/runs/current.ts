// A run as a request answers it: its queued record with everything that happened to it since.
import type { ServerContext } from '../context';
import type { QueuedRun, Run } from '../protocol';
import { queuedRecord } from './runEvent';

export function currentRun(context: ServerContext, run: QueuedRun): Run {
  return context.execution?.book.current(run) ?? queuedRecord(run).run;
}
