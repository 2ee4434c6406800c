// Collections come a page at a time. Stackhook follows each page's `next` link as given (Bitbucket
// asks clients not to build page URLs), but only while it stays under the API base, so the
// credential is never sent to another host.
import type { z } from 'zod';
import type { Endpoint } from './endpoints';
import { invalidResponse } from './errors';
import type { BitbucketHttp } from './transport';
import type { paginated } from './schemas';

/** The most items a page may hold; Bitbucket caps `pagelen` at 100. */
export const MAX_PAGELEN = 100;
/** A guard against a `next` chain that never ends. */
const MAX_PAGES = 1_000;

export interface PagedCall<T extends z.ZodType> {
  endpoint: Endpoint;
  target: string;
  query?: Record<string, string | number>;
  schema: ReturnType<typeof paginated<T>>;
  what: string;
}

export function isUnderBase(link: string, apiUrl: string): boolean {
  try {
    const next = new URL(link);
    const base = new URL(apiUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    return next.origin === base.origin && (next.pathname === basePath || next.pathname.startsWith(`${basePath}/`));
  } catch {
    return false;
  }
}

export async function collectPages<T extends z.ZodType>(
  http: BitbucketHttp,
  first: PagedCall<T>,
  signal?: AbortSignal,
  onPage?: (count: number) => void,
): Promise<z.output<T>[]> {
  const items: z.output<T>[] = [];
  const seen = new Set<string>();
  let target = first.target;
  let query: Record<string, string | number> | undefined = { pagelen: MAX_PAGELEN, ...first.query };
  for (let page = 1; ; page++) {
    const answer = await http.json({ endpoint: first.endpoint, target, query, schema: first.schema, what: first.what }, signal);
    const values = answer.data.values as z.output<T>[];
    items.push(...values);
    onPage?.(items.length);
    const next = answer.data.next;
    if (next === undefined) return items;
    const attempt = { credential: http.credential, endpoint: first.endpoint, what: first.what };
    if (!isUnderBase(next, http.apiUrl)) throw invalidResponse(attempt, `next: the link leaves ${http.apiUrl}`);
    if (seen.has(next) || page >= MAX_PAGES) throw invalidResponse(attempt, 'next: the pages never end');
    seen.add(next);
    // The link carries its own query (page, pagelen, filters): send it exactly as given.
    target = next;
    query = undefined;
  }
}
