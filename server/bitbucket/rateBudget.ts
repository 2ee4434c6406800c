// Bitbucket Cloud allows about 1,000 authenticated requests per user in any rolling hour (docs/design.md
// §6), and answers 429 beyond that, often without Retry-After. Stackhook keeps its own count per
// credential so that bulk work paces itself instead of running into the limit, and can say how long
// the rest will take.
//
// A call holds a slot from the moment it is sent until one window after its answer arrives.
// Bitbucket counts the call at some moment between those two, so holding the slot that long means
// Stackhook's count is never below Bitbucket's: it never sends a call Bitbucket would refuse for
// Stackhook's own usage. (Calls made elsewhere with the same account still count; a 429 caused by
// them is retried and reported as before.)
import { performance } from 'node:perf_hooks';
import { abortError, sleep } from './cancellation';

export interface RateLimitSettings {
  /** Calls allowed in any window of `windowMs`; 0 turns pacing off. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { limit: 1_000, windowMs: 3_600_000 };

/** Returned by `take`: call it when the answer (or the failure) arrives. */
export type Release = () => void;

export class RateBudget {
  private inFlight = 0;
  /** When each answered call stops counting (its answer time + the window), oldest first. */
  private readonly expiries: number[] = [];
  private readonly released = new Set<() => void>();
  private readonly waitListeners = new Set<(untilMs: number | null) => void>();
  private answered = 0;
  private answeredMs = 0;
  /** Calls sent so far, for callers that estimate how many calls an item costs. */
  sent = 0;

  constructor(
    readonly settings: RateLimitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get paced(): boolean {
    return this.settings.limit > 0;
  }

  /** Waits for a free slot (never longer than the signal allows) and takes it. */
  async take(signal?: AbortSignal): Promise<Release> {
    for (;;) {
      if (signal?.aborted) throw abortError();
      const now = this.now();
      this.prune(now);
      if (!this.paced || this.inFlight + this.expiries.length < this.settings.limit) break;
      const oldest = this.expiries[0];
      for (const listener of this.waitListeners) listener(oldest === undefined ? null : oldest - now);
      if (oldest === undefined) await this.nextRelease(signal);
      else await sleep(Math.max(1, Math.ceil(oldest - now)), signal);
    }
    this.inFlight++;
    this.sent++;
    const started = this.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const answeredAt = this.now();
      this.inFlight--;
      this.answered++;
      this.answeredMs += answeredAt - started;
      if (this.paced) this.expiries.push(answeredAt + this.settings.windowMs);
      for (const wake of this.released) wake();
      this.released.clear();
    };
  }

  /** Calls `listener` with the wait ahead (ms; null while every slot is still in flight) whenever a call has to wait. */
  onWait(listener: (untilMs: number | null) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  /** Slots free right now. */
  free(): number {
    this.prune(this.now());
    return this.paced ? Math.max(0, this.settings.limit - this.inFlight - this.expiries.length) : Number.POSITIVE_INFINITY;
  }

  /** The average time Bitbucket took to answer, so far. */
  averageCallMs(): number {
    return this.answered === 0 ? 0 : this.answeredMs / this.answered;
  }

  /**
   * How long `calls` more calls take, `lanes` at a time, if nothing else uses the budget: the
   * longer of the time the lanes need and the time until the budget has freed enough slots.
   */
  etaMs(calls: number, lanes: number): number {
    if (calls <= 0) return 0;
    const now = this.now();
    this.prune(now);
    const callMs = this.averageCallMs();
    const byLanes = Math.ceil(calls / Math.max(1, lanes)) * callMs;
    const beyond = calls - this.free();
    if (beyond <= 0) return byLanes;
    const { limit, windowMs } = this.settings;
    // The k-th call beyond the free slots waits for the k-th slot to free; past a whole window of
    // them, the calls sent in that window must themselves leave it first.
    const cycles = Math.floor((beyond - 1) / limit);
    const index = (beyond - 1) % limit;
    const firstFree = this.expiries[index] ?? now + callMs + windowMs;
    return Math.max(byLanes, firstFree - now + cycles * (windowMs + callMs) + callMs);
  }

  private prune(now: number): void {
    while (this.expiries.length > 0 && (this.expiries[0] as number) <= now) this.expiries.shift();
  }

  private nextRelease(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.released.delete(wake);
        reject(abortError());
      };
      this.released.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** One budget per account and API base, shared by every call the process makes with it. */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(private readonly settings: RateLimitSettings) {}

  for(apiUrl: string, username: string): RateBudget {
    const key = `${apiUrl}\u0000${username.toLowerCase()}`;
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new RateBudget(this.settings);
      this.budgets.set(key, budget);
    }
    return budget;
  }
}

/** "40 s", "12 min", "1 h 5 min": how long, for a progress message. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
