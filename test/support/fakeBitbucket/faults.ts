// The bad days of Bitbucket, on demand: latency, 429s (with and without Retry-After), 5xx,
// requests that hang, connections reset before or after the change was made, and a rolling rate
// limit. Random faults come from a seeded generator so a failing run can be repeated.
import { seededRandom } from '../seededRandom';
import { errorBody } from './render';

export type FaultKind =
  | '429'
  | '429-retry-after'
  | '500'
  | '502'
  | '503'
  | 'hang'
  /** The connection drops before anything happens. */
  | 'reset'
  /** The change is made, then the connection drops: the client never hears the answer. */
  | 'reset-after';

export const ALL_FAULTS: readonly FaultKind[] = ['429', '429-retry-after', '500', '502', '503', 'hang', 'reset', 'reset-after'];

export interface CallInfo {
  method: string;
  /** The OpenAPI path template the request matched, e.g. `/repositories/{workspace}/{repo_slug}/hooks`. */
  template: string;
}

export interface FaultOptions {
  /** Added before every answer: a number of ms, or [min, max]. */
  latencyMs?: number | [number, number];
  /** The share of requests (0…1) that get a random fault. */
  rate?: number;
  kinds?: readonly FaultKind[];
  /** Which requests random faults may hit (all by default). */
  only?: (call: CallInfo) => boolean;
  seed?: number;
  /** Seconds sent in Retry-After for `429-retry-after`. */
  retryAfterSeconds?: number;
  /**
   * A hostile Bitbucket (or proxy): every request is answered with this status and an error body
   * that quotes the request's Authorization header and the token in it, in several encodings.
   */
  echoCredentials?: number;
}

export interface RateLimitOptions {
  /** Requests allowed per user within any window of `windowMs`. */
  limit: number;
  windowMs: number;
  /** Bitbucket often omits Retry-After on 429; say whether this fake sends it. */
  retryAfter?: boolean;
}


interface Queued {
  kind: FaultKind;
  match: (call: CallInfo) => boolean;
  remaining: number;
}

export class FaultPlan {
  private options: FaultOptions = {};
  private random: () => number = seededRandom(1);
  private readonly queue: Queued[] = [];
  private rateLimit: RateLimitOptions | null = null;
  private readonly recent = new Map<string, number[]>();

  set(options: FaultOptions): void {
    this.options = { ...options };
    this.random = seededRandom(options.seed ?? 1);
  }

  setRateLimit(options: RateLimitOptions | null): void {
    this.rateLimit = options;
    this.recent.clear();
  }

  /** The next `count` requests that match get this fault, whatever the random plan says. */
  failNext(kind: FaultKind, match: Partial<CallInfo> | ((call: CallInfo) => boolean) = {}, count = 1): void {
    const test = typeof match === 'function' ? match : (call: CallInfo) => (match.method ?? call.method) === call.method && (match.template ?? call.template) === call.template;
    this.queue.push({ kind, match: test, remaining: count });
  }

  clear(): void {
    this.options = {};
    this.queue.length = 0;
    this.rateLimit = null;
    this.recent.clear();
  }

  latency(): number {
    const latency = this.options.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return latency[0] + Math.round(this.random() * (latency[1] - latency[0]));
  }

  get echoStatus(): number | null {
    return this.options.echoCredentials ?? null;
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? 1;
  }

  pick(call: CallInfo): FaultKind | null {
    const queued = this.queue.find((entry) => entry.remaining > 0 && entry.match(call));
    if (queued) {
      queued.remaining--;
      if (queued.remaining === 0) this.queue.splice(this.queue.indexOf(queued), 1);
      return queued.kind;
    }
    const rate = this.options.rate ?? 0;
    if (rate <= 0 || (this.options.only && !this.options.only(call))) return null;
    if (this.random() >= rate) return null;
    const kinds = this.options.kinds ?? ALL_FAULTS;
    return kinds[Math.floor(this.random() * kinds.length)] ?? null;
  }

  /** Counts a request against the user's rolling window; answers how long to wait when over. */
  overLimit(user: string, now = Date.now()): { retryAfterSeconds: number | null } | null {
    const limit = this.rateLimit;
    if (!limit) return null;
    const times = (this.recent.get(user) ?? []).filter((time) => time > now - limit.windowMs);
    if (times.length >= limit.limit) {
      this.recent.set(user, times);
      const oldest = times[0] ?? now;
      return { retryAfterSeconds: limit.retryAfter ? Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1000)) : null };
    }
    times.push(now);
    this.recent.set(user, times);
    return null;
  }
}

/** The error body of `echoCredentials`: the request's credentials quoted back, raw, in base64 and URL-encoded. */
export function echoReply(authorization: string | undefined, status: number): { status: number; body: ReturnType<typeof errorBody> } {
  const header = authorization ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(header)?.[1] ?? '';
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const token = decoded.slice(decoded.indexOf(':') + 1);
  return {
    status,
    body: errorBody(
      `Request refused; you sent Authorization: ${header}`,
      `credentials ${basic} decode to ${decoded}; token=${token}; encoded=${encodeURIComponent(token)}; again: ${header}`,
    ),
  };
}
