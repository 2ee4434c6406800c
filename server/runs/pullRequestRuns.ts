// The pull request lifecycle for runs already queued (R25): new commits on a pull request supersede
// its queued proposed runs, which stop with "superseded by <commit>", and a declined pull request's
// queued runs stop. Only runs that have not started are ended: a plan under way finishes and reports,
// and its result is simply older than the next one.
import type { RunService } from './service';

export interface PullRequestRunsEnd {
  stackIds: readonly string[];
  pullRequestId: number;
  /** The runs the same delivery queued: never ended by it. */
  keep: ReadonlySet<string>;
  /** The run's summary, in words: "superseded by 1e69a602caef", "pull request #12 was declined". */
  summary: string;
}

/** Stops the queued proposed runs of a pull request on these stacks, in the name of `by`. Answers how many it stopped. */
export async function endQueuedPullRequestRuns(execution: RunService, end: PullRequestRunsEnd, by: string): Promise<number> {
  if (end.stackIds.length === 0) return 0;
  await execution.book.refresh();
  let ended = 0;
  for (const stackId of end.stackIds) {
    for (const record of execution.book.openRunsOf(stackId)) {
      const { run } = record;
      if (run.kind !== 'proposed' || run.pullRequestId !== end.pullRequestId || run.state !== 'queued' || end.keep.has(run.id)) continue;
      // A run that started meanwhile answers Conflict, or is stopped by its owner: either way it was not superseded unseen.
      const decided = await execution.decide(run.id, 'cancel', by, `stopped: ${end.summary}`).then(
        () => true,
        () => false,
      );
      if (decided) ended += 1;
    }
  }
  return ended;
}
