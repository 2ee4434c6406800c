// Reads what a delivery changed, for trigger paths (R23): each distinct diff once, with the
// integration's credential, under the account's rate budget, within a deadline well inside the
// 10 s Bitbucket waits for an answer. A diff between two commits named by hash never changes, so what
// was read of one is kept (a bounded number of them) and a retried delivery, or one routed again
// after the registry changed, reads nothing twice. Anything that goes wrong becomes "unknown", and
// the stacks run: a delivery is never refused or delayed past the deadline for this.
import type { BitbucketGateway, DiffSpec } from '../bitbucket/gateway';
import { BitbucketFailure } from '../bitbucket/errors';
import type { StoredIntegration } from '../registry/state';
import type { CredentialStore } from '../secrets/credentialStore';
import { credentialOf } from '../secrets/credentialStore';
import { diffKey, type ChangeRead } from './triggerFilter';

/** Past this many changed files the list is not worth reading to the end: every stack runs. */
export const MAX_CHANGED_FILES = 5_000;
/** All of a delivery's diffstat reads end by then; Bitbucket gives up on an answer after 10 s. */
export const CHANGED_PATHS_DEADLINE_MS = 4_000;
const KEPT_DIFFS = 1_000;
/** A commit named by its hash (pull request events carry 12 characters of it), not by a branch, which moves. */
const COMMIT_HASH = /^[0-9a-f]{12,40}$/i;

export interface ChangeReaderHost {
  readonly bitbucket: BitbucketGateway;
  readonly credentials: CredentialStore;
}

export interface ChangeLimits {
  maxFiles: number;
  deadlineMs: number;
}

const DEFAULT_LIMITS: ChangeLimits = { maxFiles: MAX_CHANGED_FILES, deadlineMs: CHANGED_PATHS_DEADLINE_MS };

/** Reads of immutable diffs, by integration, repository and diff; oldest forgotten first. */
const kept = new Map<string, ChangeRead>();

function keep(key: string, read: ChangeRead): void {
  if (kept.size >= KEPT_DIFFS) {
    const oldest = kept.keys().next();
    if (!oldest.done) kept.delete(oldest.value);
  }
  kept.set(key, read);
}

/** What `diffs` changed in `repository`, each read once, by diffKey. Never throws. */
export async function readChanges(
  host: ChangeReaderHost,
  integration: StoredIntegration,
  repository: string,
  diffs: readonly DiffSpec[],
  limits: ChangeLimits = DEFAULT_LIMITS,
): Promise<Map<string, ChangeRead>> {
  const reads = new Map<string, ChangeRead>();
  const toRead: DiffSpec[] = [];
  for (const diff of diffs) {
    const known = immutable(diff) ? kept.get(cacheKey(integration, repository, diff)) : undefined;
    if (known) reads.set(diffKey(diff), known);
    else toRead.push(diff);
  }
  if (toRead.length === 0) return reads;
  const signal = AbortSignal.timeout(limits.deadlineMs);
  let credential;
  try {
    credential = await credentialOf(host.credentials, integration);
  } catch {
    for (const diff of toRead) reads.set(diffKey(diff), { kind: 'unknown', why: 'no credential is stored to read the changed files' });
    return reads;
  }
  // A delivery's diffs are one in almost every case; several are read one after another, so a slow Bitbucket costs one deadline.
  for (const diff of toRead) {
    const read = await readOne(host, credential, repository, diff, limits, signal);
    reads.set(diffKey(diff), read);
    if (read.kind === 'read' && immutable(diff)) keep(cacheKey(integration, repository, diff), read);
  }
  return reads;
}

async function readOne(
  host: ChangeReaderHost,
  credential: Parameters<BitbucketGateway['changedPaths']>[0],
  repository: string,
  diff: DiffSpec,
  limits: ChangeLimits,
  signal: AbortSignal,
): Promise<ChangeRead> {
  if (signal.aborted) return { kind: 'unknown', why: `the changed files could not be read within ${limits.deadlineMs / 1000} s` };
  try {
    const answer = await host.bitbucket.changedPaths(credential, repository, diff, limits.maxFiles, { signal });
    if (answer.kind === 'too-large') return { kind: 'unknown', why: `more than ${limits.maxFiles.toLocaleString('en-US')} files changed, more than Stackhook reads` };
    return { kind: 'read', paths: answer.paths };
  } catch (error) {
    if (signal.aborted) return { kind: 'unknown', why: `the changed files could not be read within ${limits.deadlineMs / 1000} s` };
    if (error instanceof BitbucketFailure) {
      return { kind: 'unknown', why: `the changed files could not be read (${error.status !== null ? `Bitbucket answered ${error.status}` : error.problem})` };
    }
    return { kind: 'unknown', why: 'the changed files could not be read' };
  }
}

function immutable(diff: DiffSpec): boolean {
  return COMMIT_HASH.test(diff.source) && (diff.destination === null || COMMIT_HASH.test(diff.destination));
}

function cacheKey(integration: StoredIntegration, repository: string, diff: DiffSpec): string {
  return `${integration.id}\u0000${repository.toLowerCase()}\u0000${diffKey(diff)}`;
}
