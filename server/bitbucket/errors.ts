// Turns what Bitbucket (or the network) answered into an error a person can act on: what failed,
// why, and what to do next, with a problem code the editor can branch on. Response bodies are
// quoted only when they are Bitbucket's JSON error objects: an HTML page is never echoed.
import type { z } from 'zod';
import { StackhookError } from '../errors';
import type { CredentialProblem } from '../protocol';
import { describeIssues } from '../zodIssues';
import type { Endpoint } from './endpoints';
import { REQUIRED_SCOPES } from './endpoints';
import type { BitbucketCredential } from './gateway';
import { ErrorBody } from './schemas';
import { bounded } from '../protocol/masking';

export const APP_PASSWORD_REMOVAL =
  'Bitbucket removed app passwords on 28 July 2026; since then every app password is refused with 401.';
export const API_TOKEN_ADVICE =
  `Create an Atlassian API token with the scopes ${REQUIRED_SCOPES.join(', ')} ` +
  '(https://id.atlassian.com/manage-profile/security/api-tokens) and use it with your Atlassian account email.';

export class BitbucketFailure extends StackhookError {
  constructor(
    readonly problem: CredentialProblem,
    message: string,
    /** The HTTP status, or null when no answer arrived. */
    readonly status: number | null,
  ) {
    super('Bitbucket', message, { problem });
    this.name = 'BitbucketFailure';
  }
}

/** What was being attempted, in words: "list the webhooks of acme/network". */
export interface Attempt {
  readonly credential: BitbucketCredential;
  readonly endpoint: Endpoint;
  readonly what: string;
}

export type HeaderLookup = (name: string) => string | undefined;

export const looksLikeEmail = (username: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(username);

/** Scope headers are comma- or space-separated lists. */
export function scopeList(header: string | undefined): string[] {
  return (header ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
}

function bitbucketMessage(body: unknown): string | null {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return null;
  const { message, detail } = parsed.data.error;
  return typeof detail === 'string' && detail !== '' ? `${message} (${detail})` : message;
}

const said = (body: unknown) => {
  const quoted = bitbucketMessage(body);
  if (!quoted) return '';
  // A hostile upstream (or proxy) decides what its error says: quote a bounded part of it.
  const message = bounded(quoted);
  return /[.!?]$/.test(message) ? ` Bitbucket said: "${message}"` : ` Bitbucket said: "${message}".`;
};

function unauthorized(attempt: Attempt): BitbucketFailure {
  const { username, secret, credentialType } = attempt.credential;
  const head = `Bitbucket refused the credential of ${username} (401) when Stackhook tried to ${attempt.what}.`;
  if (credentialType === 'app_password') {
    return new BitbucketFailure('app-password-retired', `${head} ${APP_PASSWORD_REMOVAL} ${API_TOKEN_ADVICE}`, 401);
  }
  const hints: string[] = [];
  if (secret.startsWith('ATBB')) hints.push('The secret starts with "ATBB", the prefix of app passwords, which no longer work. ' + API_TOKEN_ADVICE);
  if (!looksLikeEmail(username)) {
    hints.push(
      `"${username}" is not an email address: with an Atlassian API token, REST calls authenticate with your Atlassian account email, ` +
        'not your Bitbucket username. Edit the integration and enter the email.',
    );
  } else if (hints.length === 0) {
    hints.push(
      `The username is an email, as it should be, so the token is likely mistyped, revoked or expired (API tokens last from 1 day to 1 year). ` +
        'Create a new token at https://id.atlassian.com/manage-profile/security/api-tokens and update the integration.',
    );
  }
  return new BitbucketFailure('unauthorized', `${head} ${hints.join(' ')}`, 401);
}

function forbidden(attempt: Attempt, header: HeaderLookup, body: unknown): BitbucketFailure {
  const accepted = scopeList(header('x-accepted-oauth-scopes'));
  const granted = scopeList(header('x-oauth-scopes'));
  const missing = accepted.filter((scope) => !granted.includes(scope));
  if (accepted.length > 0 && missing.length > 0) {
    // Bitbucket lists every scope the endpoint accepts; the one this call is documented to need comes first.
    const needed = missing.includes(attempt.endpoint.scope) ? attempt.endpoint.scope : missing.join(' or ');
    const has = granted.length > 0 ? `It has: ${granted.join(', ')}.` : 'It has none that apply.';
    return new BitbucketFailure(
      'missing-scope',
      `The API token of ${attempt.credential.username} lacks the scope ${needed}, which Bitbucket requires to ${attempt.what} (403). ${has} ` +
        `Scopes of an API token cannot be changed: create a new token that includes ${needed} and update the integration.`,
      403,
    );
  }
  return new BitbucketFailure(
    'forbidden',
    `Bitbucket does not allow ${attempt.credential.username} to ${attempt.what} (403).${said(body)} ` +
      'Managing webhooks needs admin permission on the repository (or workspace): ask a workspace admin to grant it, or use their integration.',
    403,
  );
}

/** Maps an HTTP answer that is not a success to a failure. `body` is parsed JSON, or null for anything else. */
export function failureFromResponse(status: number, header: HeaderLookup, body: unknown, attempt: Attempt, retryNote = ''): BitbucketFailure {
  if (status === 401) return unauthorized(attempt);
  if (status === 403) return forbidden(attempt, header, body);
  if (status === 404) {
    return new BitbucketFailure(
      'not-found',
      `Bitbucket found nothing (404) when Stackhook tried to ${attempt.what}: it does not exist, or ${attempt.credential.username} cannot see it.${said(body)} ` +
        'Check the spelling of the workspace and repository, and that the account has access.',
      404,
    );
  }
  if (status === 410) {
    return new BitbucketFailure(
      'gone',
      `Bitbucket has removed the endpoint ${attempt.endpoint.method} ${attempt.endpoint.template} (410) used to ${attempt.what}. ` +
        'This build of Stackhook needs an update.',
      410,
    );
  }
  if (status === 429) {
    return new BitbucketFailure(
      'rate-limited',
      `Bitbucket is rate limiting ${attempt.credential.username} (429) and Stackhook could not ${attempt.what}${retryNote}. ` +
        'Bitbucket allows about 1,000 requests per hour per user, counted over a rolling hour: wait a few minutes and try again, or work on fewer repositories at once.',
      429,
    );
  }
  if (status >= 500) {
    return new BitbucketFailure(
      'server-error',
      `Bitbucket had an error of its own (${status}) when Stackhook tried to ${attempt.what}${retryNote}.${said(body)} ` +
        'Try again in a moment; https://bitbucket.status.atlassian.com says whether Bitbucket is having an incident.',
      status,
    );
  }
  return new BitbucketFailure(
    'rejected',
    `Bitbucket refused the request (${status}) when Stackhook tried to ${attempt.what}.${said(body)}`,
    status,
  );
}

/** Maps a request that got no answer: a timeout, or a network failure with its system code. */
export function failureFromTransport(code: string | undefined, apiUrl: string, timeoutMs: number, attempt: Attempt): BitbucketFailure {
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new BitbucketFailure(
      'timeout',
      `Bitbucket did not answer within ${Math.round(timeoutMs / 1000)} s when Stackhook tried to ${attempt.what}. ` +
        'Try again; if it keeps happening, check your network or proxy, and https://bitbucket.status.atlassian.com.',
      null,
    );
  }
  const host = (() => {
    try {
      return new URL(apiUrl).host;
    } catch {
      return apiUrl;
    }
  })();
  return new BitbucketFailure(
    'network',
    `Stackhook could not reach Bitbucket at ${host} (${code ?? 'network error'}) to ${attempt.what}. ` +
      'Check the network connection, a proxy or VPN, and the --bitbucket-api address.',
    null,
  );
}

/** A 2xx answer that does not have the shape Stackhook relies on: name the field, do not crash. */
export function invalidResponse(attempt: Attempt, error: z.ZodError | string): BitbucketFailure {
  const detail = typeof error === 'string' ? error : describeIssues(error, '(body)', 3);
  return new BitbucketFailure(
    'invalid-response',
    `Bitbucket's answer when Stackhook tried to ${attempt.what} did not have the expected shape (${detail}). ` +
      'A proxy may be answering instead of Bitbucket, or Bitbucket changed its API.',
    null,
  );
}
