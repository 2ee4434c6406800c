// The looks at a pipeline that a run of a given length needs at the server's backoff schedule: the
// least any run can cost, against which the benchmarks count the polls Stackhook made.
import { nextPollWait } from '../../server/runs/runners/pipelineFollow';

/** Look, wait, look… until a look sees it done: the polls a pipeline of `totalMs` needs. */
export function pollsNeeded(totalMs: number, firstMs: number, maxMs: number): number {
  let elapsed = 0;
  let wait = firstMs;
  let polls = 1;
  while (elapsed < totalMs) {
    elapsed += wait;
    wait = nextPollWait(wait, maxMs);
    polls++;
  }
  return polls;
}
