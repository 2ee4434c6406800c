// A line of the runs log (manual runs and retries): the run as queued, plus the process that queued
// it. That process runs it when the run's turn comes, unless it has died: it holds the credential the
// run needs (an editor keeps it in its SecretStorage), so another process takes the run only over.
import * as z from 'zod';
import { QueuedRun } from '../protocol';

export const StoredRun = QueuedRun.extend({
  /** The process that queued it (a run book owner id); absent in lines of older servers. */
  queuedBy: z.string().optional(),
});
export type StoredRun = z.output<typeof StoredRun>;
