// The paths a change touched, from Bitbucket's diffstat (trigger paths, docs/design.md §4): read a
// page of 500 at a time (Bitbucket's default; the fewest calls for the common case), following
// `next` only under the API base, and stopping at a limit rather than reading a huge diff to the end.
// A diff that stops at the limit is reported as too large, never as "these are all the paths".
import * as z from 'zod';
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import { invalidResponse } from './errors';
import type { ChangedPaths, DiffSpec } from './gateway';
import { isUnderBase } from './pagination';
import { paginated } from './schemas';
import type { BitbucketHttp } from './transport';

/** Bitbucket's default diffstat page; its maximum is 5,000, but 500 a page keeps each answer quick. */
export const DIFFSTAT_PAGELEN = 500;

const CommitFile = z.object({ path: z.string().max(4_096) }).nullable().optional();
const DiffstatEntry = z.object({ status: z.string().max(40).optional(), old: CommitFile, new: CommitFile });
const DiffstatPage = paginated(DiffstatEntry);

/** The spec Bitbucket reads: one commit, or `source..destination`. */
export function specOf(diff: DiffSpec): string {
  return diff.destination === null ? diff.source : `${diff.source}..${diff.destination}`;
}

/**
 * Every path the diff adds, changes, removes or renames (both sides of a rename), up to `maxFiles`
 * entries. Throws what the transport throws (a 404 for an unknown commit, a 555 for a diff Bitbucket
 * gave up on): the caller decides what an unreadable diff means.
 */
export async function changedPaths(http: BitbucketHttp, fullName: string, diff: DiffSpec, maxFiles: number, signal?: AbortSignal): Promise<ChangedPaths> {
  const what = `read the files changed in ${fullName} (${specOf(diff)})`;
  let target = pathOf(Endpoints.diffstat.template, { ...repositoryParams(fullName), spec: specOf(diff) });
  let query: Record<string, string | number> | undefined = { pagelen: DIFFSTAT_PAGELEN, ...(diff.destination !== null ? { topic: String(diff.topic) } : {}) };
  const paths = new Set<string>();
  let entries = 0;
  let pages = 0;
  const seen = new Set<string>();
  for (;;) {
    const answer = await http.json({ endpoint: Endpoints.diffstat, target, query, schema: DiffstatPage, what }, signal);
    pages++;
    for (const entry of answer.data.values) {
      entries++;
      if (entry.old?.path) paths.add(entry.old.path);
      if (entry.new?.path) paths.add(entry.new.path);
    }
    const next = answer.data.next;
    if (entries > maxFiles || (entries === maxFiles && next !== undefined)) return { kind: 'too-large', files: entries, more: next !== undefined, pages };
    if (next === undefined) return { kind: 'read', paths: [...paths], pages };
    const attempt = { credential: http.credential, endpoint: Endpoints.diffstat, what };
    if (!isUnderBase(next, http.apiUrl)) throw invalidResponse(attempt, `next: the link leaves ${http.apiUrl}`);
    if (seen.has(next)) throw invalidResponse(attempt, 'next: the pages never end');
    seen.add(next);
    target = next;
    query = undefined;
  }
}
