// Work over many repositories: a bounded number at a time (Bitbucket counts every call against an
// hourly budget), progress after each one, and a clean stop. When the request is cancelled, or
// Bitbucket starts refusing with 429 after retries, nothing more is sent: the items not reached are
// reported as not done, so the caller learns exactly what happened.
import pLimit from 'p-limit';
import type { CallContext } from './gateway';
import { isAbort } from './http';

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
}

export const CANCELLED_BEFORE = 'not done: the request was cancelled before Stackhook reached this repository';
export const CANCELLED_DURING =
  'cancelled while Bitbucket was answering: the change may or may not have been made; run the same request again to check';

export async function inBulk<I, R>(items: readonly I[], options: BulkOptions<I, R>): Promise<R[]> {
  const { signal, progress } = options.context;
  const limit = pLimit(Math.max(1, options.concurrency));
  const results: R[] = new Array<R>(items.length);
  let done = 0;
  let stopReason: string | null = null;
  progress?.(0, items.length, `${options.title}: 0 of ${items.length}`);
  await Promise.all(
    items.map((item, index) =>
      limit(async () => {
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
        progress?.(done, items.length, `${options.title}: ${done} of ${items.length} (${options.label(item)})`);
      }),
    ),
  );
  return results;
}
