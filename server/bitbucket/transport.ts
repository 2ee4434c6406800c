// One axios instance per credential: Basic auth, the --bitbucket-api base, a timeout, the caller's
// AbortSignal, and bounded retries of 429/503 with exponential backoff, jitter and Retry-After.
// Every answer is parsed with a zod schema before anyone sees it.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../log';
import type { Endpoint } from './endpoints';
import { failureFromResponse, failureFromTransport, invalidResponse, type Attempt, type HeaderLookup } from './errors';
import type { BitbucketCredential } from './gateway';
import { abortError, sleep } from './cancellation';
import type { RateBudget } from './rateBudget';

export interface HttpSettings {
  timeoutMs: number;
  /** Further attempts after the first, for 429 and 503 (and network resets of reads). */
  retries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** A Retry-After longer than this is not waited for: the failure is reported instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  timeoutMs: 30_000,
  retries: 4,
  backoffBaseMs: 400,
  backoffCapMs: 10_000,
  maxRetryAfterMs: 60_000,
};

export interface Answer<T> {
  status: number;
  data: T;
  header: HeaderLookup;
}

export interface Call<S extends z.ZodType> {
  endpoint: Endpoint;
  /** A path below the API base, already filled in (see `pathOf`), or an absolute `next` link. */
  target: string;
  query?: Record<string, string | number> | undefined;
  body?: unknown;
  /** What the 2xx body must look like; null when none is expected (DELETE answers 204). */
  schema: S | null;
  /** In words, for errors: "list the webhooks of acme/network". */
  what: string;
  /** Statuses beyond 2xx that are answers rather than failures; their bodies are not parsed. */
  accept?: readonly number[] | undefined;
  /** Receives the raw body of a 2xx answer (logs and files are text, not JSON). */
  onText?: ((text: string) => void) | undefined;
  /** Request headers beyond the client's own (a log read's `Range`). */
  headers?: Record<string, string> | undefined;
}

/** A `next` link is absolute: only its path and query go into the log. */
function loggedPath(target: string): string {
  if (!/^https?:\/\//.test(target)) return target;
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}

/** `Retry-After` is seconds or an HTTP date; anything else is ignored. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so clients spread out. */
export function backoffMs(retry: number, settings: HttpSettings, random = Math.random): number {
  const ceiling = Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const RETRIED_STATUSES = new Set([429, 503]);
/** A read that lost its connection can be sent again; a write might have happened, so it is not. */
const RETRIED_READ_FAILURES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);

function headerLookup(response: AxiosResponse): HeaderLookup {
  return (name) => {
    const value: unknown = response.headers[name.toLowerCase()];
    return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? undefined : String(value);
  };
}

/** JSON bodies only. HTML (Bitbucket's 404 pages, a proxy's login form) is dropped unread. */
function jsonBody(response: AxiosResponse): { ok: true; value: unknown } | { ok: false; reason: string } {
  const type = headerLookup(response)('content-type') ?? '';
  const text = typeof response.data === 'string' ? response.data : '';
  if (!/json/i.test(type)) return { ok: false, reason: `the body is ${type || 'of no declared type'}, not JSON` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
}

/** The largest response body read from upstream. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class BitbucketHttp {
  private readonly axios: AxiosInstance;

  constructor(
    readonly apiUrl: string,
    readonly credential: BitbucketCredential,
    readonly settings: HttpSettings,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
    /** The account's share of Bitbucket's rate limit: every attempt waits for a slot in it. */
    private readonly budget: RateBudget | null = null,
  ) {
    this.axios = axios.create({
      baseURL: apiUrl,
      auth: { username: credential.username, password: credential.secret },
      timeout: settings.timeoutMs,
      // Statuses are judged here, not by axios, and bodies are parsed here so HTML never gets far.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
      // No answer Stackhook reads is near this; a larger one is not Bitbucket's and is not read whole.
      maxContentLength: MAX_RESPONSE_BYTES,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
      headers: { Accept: 'application/json', 'User-Agent': 'Stackhook' },
    });
  }

  async call<S extends z.ZodType>(call: Call<S>, signal?: AbortSignal): Promise<Answer<z.output<S> | null>> {
    const attempt: Attempt = { credential: this.credential, endpoint: call.endpoint, what: call.what };
    for (let retry = 0; ; retry++) {
      if (signal?.aborted) throw abortError();
      let response: AxiosResponse;
      const release = this.budget ? await this.budget.take(signal) : null;
      const started = Date.now();
      try {
        response = await this.axios.request({
          method: call.endpoint.method,
          url: call.target,
          params: call.query,
          data: call.body === undefined ? undefined : JSON.stringify(call.body),
          headers: { ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...call.headers },
          signal,
        });
        release?.();
      } catch (error) {
        release?.();
        if (signal?.aborted || axios.isCancel(error)) throw abortError();
        const code = axios.isAxiosError(error) ? error.code : undefined;
        if (call.endpoint.method === 'GET' && code && RETRIED_READ_FAILURES.has(code) && retry < this.settings.retries) {
          this.log.debug(`${call.endpoint.method} ${loggedPath(call.target)}: ${code}, retrying`);
          await sleep(backoffMs(retry, this.settings, this.random), signal);
          continue;
        }
        throw failureFromTransport(code, this.apiUrl, this.settings.timeoutMs, attempt);
      }
      const status = response.status;
      const header = headerLookup(response);
      // The path as sent names the repository (`/repositories/acme/network/hooks`); a template would not.
      this.log.debug(`${call.endpoint.method} ${loggedPath(call.target)} → ${status} (${Date.now() - started} ms)`);

      if (RETRIED_STATUSES.has(status)) {
        const asked = retryAfterMs(header('retry-after'));
        if (asked !== null && asked > this.settings.maxRetryAfterMs) {
          const note = `; Bitbucket asked to wait ${Math.ceil(asked / 1000)} s before trying again`;
          throw failureFromResponse(status, header, null, attempt, note);
        }
        if (retry < this.settings.retries) {
          await sleep(asked ?? backoffMs(retry, this.settings, this.random), signal);
          continue;
        }
        throw failureFromResponse(status, header, bodyOrNull(response), attempt, ` after ${retry + 1} attempts`);
      }

      const success = status >= 200 && status < 300;
      if (!success && !call.accept?.includes(status)) throw failureFromResponse(status, header, bodyOrNull(response), attempt);
      if (success && call.onText) call.onText(typeof response.data === 'string' ? response.data : '');
      if (!success || call.schema === null || status === 204) return { status, header, data: null };
      const body = jsonBody(response);
      if (!body.ok) throw invalidResponse(attempt, body.reason);
      const parsed = call.schema.safeParse(body.value);
      if (!parsed.success) throw invalidResponse(attempt, parsed.error);
      return { status, header, data: parsed.data };
    }
  }

  /** A call answered with text (a step's log, a file): the body of a 2xx, null for an accepted refusal. */
  async text(call: Omit<Call<z.ZodType>, 'schema' | 'onText'>, signal?: AbortSignal): Promise<Answer<string | null>> {
    let text: string | null = null;
    const answer = await this.call({ ...call, schema: null, onText: (body) => (text = body) }, signal);
    return { ...answer, data: text };
  }

  /** A call whose only good answer is a 2xx with a body of this shape. */
  async json<S extends z.ZodType>(call: Omit<Call<S>, 'schema' | 'accept'> & { schema: S }, signal?: AbortSignal): Promise<Answer<z.output<S>>> {
    const answer = await this.call(call, signal);
    if (answer.data === null) {
      throw invalidResponse({ credential: this.credential, endpoint: call.endpoint, what: call.what }, `status ${answer.status} with no body`);
    }
    return { ...answer, data: answer.data };
  }
}

function bodyOrNull(response: AxiosResponse): unknown {
  const body = jsonBody(response);
  return body.ok ? body.value : null;
}
