// How hard the client pushes Bitbucket. The defaults suit api.bitbucket.org; the environment may
// shorten them so that tests and benchmarks against the loopback fake do not wait 30 s for a timeout,
// and scale Bitbucket's hourly rate limit down to seconds.
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from './transport';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rateBudget';

export interface ClientSettings {
  http: HttpSettings;
  /** Repositories worked on at once in bulk requests. */
  concurrency: number;
  /** Bitbucket's rate limit as Stackhook paces itself to it (DEFAULT_RATE_LIMIT when absent). */
  rateLimit?: RateLimitSettings | undefined;
}

export const DEFAULT_CONCURRENCY = 6;

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && (value > 0 || (allowZero && value === 0)) ? value : fallback;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientSettings {
  return {
    http: {
      ...DEFAULT_HTTP_SETTINGS,
      timeoutMs: positive(env, 'STACKHOOK_BITBUCKET_TIMEOUT_MS', DEFAULT_HTTP_SETTINGS.timeoutMs),
      retries: positive(env, 'STACKHOOK_BITBUCKET_RETRIES', DEFAULT_HTTP_SETTINGS.retries, true),
      backoffBaseMs: positive(env, 'STACKHOOK_BITBUCKET_BACKOFF_MS', DEFAULT_HTTP_SETTINGS.backoffBaseMs),
    },
    concurrency: positive(env, 'STACKHOOK_BITBUCKET_CONCURRENCY', DEFAULT_CONCURRENCY),
    rateLimit: {
      limit: positive(env, 'STACKHOOK_BITBUCKET_RATE_LIMIT', DEFAULT_RATE_LIMIT.limit, true),
      windowMs: positive(env, 'STACKHOOK_BITBUCKET_RATE_WINDOW_MS', DEFAULT_RATE_LIMIT.windowMs),
    },
  };
}
