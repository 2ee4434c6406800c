// Bitbucket's passing troubles (429, 5xx, timeouts, dropped connections) while a run talks to it:
// the client already retries 429 and 503; a run also waits out other 5xx and timeouts, a few times.
import { setTimeout as wait } from 'node:timers/promises';

/** Waits, unless the signal fires first (then rejects with an AbortError). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => wait(ms, undefined, signal ? { signal } : {});

const TRANSIENT = new Set(['rate-limited', 'server-error', 'network', 'timeout']);
const ATTEMPTS = 5;

export function isTransient(error: unknown): boolean {
  const data = (error as { data?: { problem?: unknown } } | null)?.data;
  return typeof data?.problem === 'string' && TRANSIENT.has(data.problem);
}

export async function withRetries<T>(delayMs: number, action: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error;
      await sleep(delayMs * 2 ** (attempt - 1), signal);
    }
  }
}
