// Work over many repositories: a bounded number at a time (Bitbucket counts every call against an
// hourly budget), progress after each one, and a clean stop. When the request is cancelled, or
// Bitbucket starts refusing with 429 after retries, nothing more is sent: the items not reached are
// reported as not done, so the caller learns exactly what happened. When the account's rate budget
// (see rateBudget.ts) cannot cover what is left, progress says so, with how long the rest will take.
import pLimit from 'p-limit';
import type { CallContext } from './gateway';
import { isAbort } from './cancellation';
import { formatDuration, type RateBudget } from './rateBudget';

export interface BulkOutcome<R> {
  result: R;
  /** Stops the items not yet started, with this reason (Bitbucket's rate limit, for one). */
  stopAll?: string | undefined;
}

export interface BulkOptions<I, R> {
  concurrency: number;
  context: CallContext;
  /** "Configuring webhooks": the start of each progress message. */
  title: string;
  label: (item: I) => string;
  work: (item: I, signal: AbortSignal | undefined) => Promise<BulkOutcome<R>>;
  /** The result for an item that was not done, or was cut short, and why. */
  notDone: (item: I, reason: string) => R;
  /** The account's rate budget, which the work's calls draw on. */
  budget?: RateBudget | undefined;
}

/** Messages while waiting for the rate budget come at most this often. */
const WAIT_REPORT_MS = 1_000;

export const CANCELLED_BEFORE = 'not done: the request was cancelled before Stackhook reached this repository';
export const CANCELLED_DURING =
  'cancelled while Bitbucket was answering: the change may or may not have been made; run the same request again to check';

export async function inBulk<I, R>(items: readonly I[], options: BulkOptions<I, R>): Promise<R[]> {
  const { signal, progress } = options.context;
  const limit = pLimit(Math.max(1, options.concurrency));
  const results: R[] = new Array<R>(items.length);
  let done = 0;
  let started = 0;
  let stopReason: string | null = null;
  const lanes = Math.max(1, options.concurrency);
  const { budget } = options;
  const sentBefore = budget?.sent ?? 0;

  /** "; …paces the rest: about 4 min left" (or "at least", before the cost of an item is seen) when the budget cannot cover what is left; "" otherwise. */
  const pacing = (): string => {
    if (!budget?.paced || done >= items.length) return '';
    // Calls per item as seen so far (a read, plus a write where one is needed); at least one.
    const perItem = started > 0 ? Math.max(1, (budget.sent - sentBefore) / started) : 1;
    const calls = Math.ceil((items.length - done) * perItem);
    if (calls <= budget.free()) return '';
    const { limit: allowed, windowMs } = budget.settings;
    // Before any item is done, the writes it will need are unknown: the estimate is a floor.
    const hedge = done === 0 ? 'at least' : 'about';
    return `; Bitbucket allows ${allowed} calls per ${formatDuration(windowMs)}, so Stackhook paces the rest: ${hedge} ${formatDuration(budget.etaMs(calls, lanes))} left`;
  };
  let lastWaitReport = Number.NEGATIVE_INFINITY;
  const stopListening = budget?.onWait(() => {
    if (Date.now() - lastWaitReport < WAIT_REPORT_MS) return;
    lastWaitReport = Date.now();
    progress?.(done, items.length, `${options.title}: ${done} of ${items.length}, waiting for Bitbucket's rate limit${pacing()}`);
  });

  progress?.(0, items.length, `${options.title}: 0 of ${items.length}${pacing()}`);
  try {
    await Promise.all(
      items.map((item, index) =>
        limit(async () => {
          started++;
          if (signal?.aborted) {
            results[index] = options.notDone(item, CANCELLED_BEFORE);
          } else if (stopReason !== null) {
            results[index] = options.notDone(item, stopReason);
          } else {
            try {
              const outcome = await options.work(item, signal);
              results[index] = outcome.result;
              if (outcome.stopAll !== undefined && stopReason === null) stopReason = outcome.stopAll;
            } catch (error) {
              if (!isAbort(error)) throw error;
              results[index] = options.notDone(item, CANCELLED_DURING);
            }
          }
          done++;
          progress?.(done, items.length, `${options.title}: ${done} of ${items.length} (${options.label(item)})${pacing()}`);
        }),
      ),
    );
  } finally {
    stopListening?.();
  }
  return results;
}
