// R12 for runs already queued or waiting: when a stack is detached (its integration deleted), its
// queued and unconfirmed runs are discarded and a running one is stopped, so nothing of the deleted
// integration, its credential least of all, is used for them again.
import type { RunService } from './service';

export const DETACHED_SUMMARY = 'its stack was detached (R12): nothing of the deleted integration is used again';

/** Ends the open runs of these stacks, in the name of `by`. Answers how many it ended or asked to stop. */
export async function endRunsOfDetachedStacks(execution: RunService, stackIds: readonly string[], by: string): Promise<number> {
  if (stackIds.length === 0) return 0;
  await execution.book.refresh();
  let ended = 0;
  for (const stackId of stackIds) {
    for (const record of execution.book.openRunsOf(stackId)) {
      const { state } = record.run;
      const waiting = state === 'queued' || (state === 'unconfirmed' && record.decision === null);
      const kind = waiting ? 'discard' : 'cancel';
      const summary = waiting ? `discarded: ${DETACHED_SUMMARY}` : `stopped: ${DETACHED_SUMMARY}`;
      // A run that ends on its own meanwhile answers Conflict: it needs nothing more.
      const decided = await execution.decide(record.run.id, kind, by, summary).then(
        () => true,
        () => false,
      );
      if (decided) ended += 1;
    }
  }
  return ended;
}
