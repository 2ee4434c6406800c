// What every route of the fake shares: the request a handler sees, the reply it gives, Bitbucket's
// error and page envelopes, and the look-ups that answer 404 or 403 the way Bitbucket does.
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeGit } from './git';
import type { OidcIssuer } from './oidc';
import type { PipelineRunner } from './pipelineRunner';
import { errorBody } from './render';
import type { FakeRepository, FakeUser, World } from './world';

export interface Reply {
  status: number;
  /** JSON body; `text` or `raw` for anything else (plain text 429s, HTML 404s, logs). */
  body?: unknown;
  text?: string;
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  world: World;
  /** Who the credentials belong to; on the public routes (`scope: null`) an anonymous user in no workspace. */
  user: FakeUser;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
  origin: string;
  rawPath: string;
  refuseInternalUrls: boolean;
  git: FakeGit;
  runner: PipelineRunner;
  oidc: OidcIssuer;
}

export interface Route {
  method: string;
  template: string;
  /** The scope an API token needs; null for the public routes Bitbucket serves without credentials. */
  scope: string | null;
  pattern: RegExp;
  names: string[];
  handle(context: RouteContext): Reply;
}

/** Path parameters that keep their slashes: a file path, a diffstat spec (`ws/slug:a\rb` in a pull request's link). */
const SLASHED = new Set(['path', 'spec']);

export function route(method: string, template: string, scope: string | null, handle: (context: RouteContext) => Reply): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return SLASHED.has(name) ? '(.+)' : '([^/]+)';
    })}$`,
  );
  return { method, template, scope, pattern, names, handle };
}

export const REPO = '/repositories/{workspace}/{repo_slug}';

export const REPOSITORY_NOT_FOUND =
  'You may not have access to this repository or it no longer exists in this workspace. If you think this repository exists and you have access, make sure you are authenticated.';

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, ...(headers ? { headers } : {}) });
export const failure = (status: number, message: string, detail?: string, fields?: Record<string, string[]>) => json(status, errorBody(message, detail, fields));
export const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && 'status' in value && typeof (value as Reply).status === 'number';

export interface PageLimits {
  /** What a page holds when `pagelen` is not asked for (10 on most endpoints). */
  defaultPagelen?: number;
  /** The most a page may hold (100 on most endpoints; 5,000 on diffstat). */
  maxPagelen?: number;
}

/** `{values, pagelen, size, page, next?, previous?}`; pagelen defaults to 10 and is capped at 100 unless said otherwise. */
export function paginate(items: unknown[], context: Pick<RouteContext, 'query' | 'origin' | 'rawPath'>, limits: PageLimits | number = {}): Reply {
  const { defaultPagelen = 10, maxPagelen = 100 } = typeof limits === 'number' ? { defaultPagelen: limits } : limits;
  const asked = Number(context.query.get('pagelen') ?? defaultPagelen);
  const pagelen = Math.min(maxPagelen, Math.max(1, Number.isInteger(asked) ? asked : defaultPagelen));
  const page = Number(context.query.get('page') ?? 1);
  if (!Number.isInteger(page) || page < 1) return failure(400, 'Invalid page');
  const start = (page - 1) * pagelen;
  const linkTo = (target: number) => {
    const query = new URLSearchParams(context.query);
    query.set('page', String(target));
    query.set('pagelen', String(pagelen));
    return `${context.origin}${context.rawPath}?${query.toString()}`;
  };
  return json(200, {
    pagelen,
    size: items.length,
    page,
    values: items.slice(start, start + pagelen),
    ...(start + pagelen < items.length ? { next: linkTo(page + 1) } : {}),
    ...(page > 1 ? { previous: linkTo(page - 1) } : {}),
  });
}

export function visibleRepository(context: RouteContext): FakeRepository | Reply {
  const repository = context.world.repository(`${context.params.workspace}/${context.params.repo_slug}`);
  if (!repository) return failure(404, REPOSITORY_NOT_FOUND);
  if (!context.user.workspaces.has(repository.workspace) && repository.isPrivate) return failure(404, REPOSITORY_NOT_FOUND);
  return repository;
}

export function adminRepository(context: RouteContext, doing = 'manage its webhooks'): FakeRepository | Reply {
  const repository = visibleRepository(context);
  if (isReply(repository)) return repository;
  if (context.user.workspaces.get(repository.workspace) !== 'admin') {
    return failure(403, `You must be an administrator of this repository to ${doing}.`);
  }
  return repository;
}

export function withRepository(context: RouteContext, act: (repository: FakeRepository, fullName: string) => Reply): Reply {
  const repository = visibleRepository(context);
  if (isReply(repository)) return repository;
  return act(repository, `${repository.workspace}/${repository.slug}`);
}

/** The JSON object a write sent, or a 400 saying it must be one. */
export function objectBody(context: RouteContext): Record<string, unknown> | Reply {
  const body = context.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return failure(400, 'Bad request', 'The body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** Bitbucket's `q` filter for the one form the fake understands: `field="value"` (or `field = "value"`). */
export function equalityFilter(context: RouteContext, allowed: readonly string[]): { field: string; value: string } | null | Reply {
  const q = context.query.get('q');
  if (q === null || q.trim() === '') return null;
  const match = /^\s*([a-z_.]+)\s*=\s*"([^"]*)"\s*$/.exec(q);
  if (!match || !allowed.includes(match[1] ?? '')) return failure(400, 'Invalid query', `The fake Bitbucket understands q=<field>="<value>" for ${allowed.join(', ')}; got ${q}.`);
  return { field: match[1] ?? '', value: match[2] ?? '' };
}
