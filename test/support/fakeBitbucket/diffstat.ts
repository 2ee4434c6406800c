// Diffstats computed from the fake's real git repository, with Bitbucket's reading of a spec: one
// commit is compared with its first parent; `a..b` compares source `a` with destination `b` (the
// reverse of `git diff`'s order), as a three-dot diff from their merge base unless `topic=false`.
// A pull request's link spells the same thing `ws/slug:a\rb` (`%0D` in the URL). Commits never
// change, so each diff is worked out once.
import { execFileSync } from 'node:child_process';
import type { FakeRepository } from './model';

export interface DiffstatEntry {
  status: 'added' | 'removed' | 'modified' | 'renamed';
  linesAdded: number;
  linesRemoved: number;
  oldPath: string | null;
  newPath: string | null;
}

export interface Diff {
  /** The commit the old side is read at (the parent, the merge base or the destination). */
  from: string;
  /** The commit the new side is read at (the source). */
  to: string;
  entries: DiffstatEntry[];
}

export interface DiffOptions {
  /** Three-dot (from the merge base), Bitbucket's default for two commits; false for a plain two-dot diff. */
  topic: boolean;
  renames: boolean;
  ignoreWhitespace: boolean;
  paths: string[];
}

/** Git's empty tree: the "parent" of a repository's first commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const quiet = { stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], encoding: 'utf8' as const, maxBuffer: 256 * 1024 * 1024 };
const cache = new Map<string, Diff>();

/** The source and destination a spec names; null when it is not a spec Bitbucket would take. */
export function parseSpec(spec: string): { source: string; destination: string | null } | null {
  // `ws/slug:<source>\r<destination>` from a pull request's diffstat link.
  const linked = /^[^/:]+\/[^/:]+:([0-9a-f]{7,40})\r([0-9a-f]{7,40})$/i.exec(spec);
  if (linked) return { source: linked[1] ?? '', destination: linked[2] ?? '' };
  const range = /^([0-9A-Za-z._/-]+)\.\.([0-9A-Za-z._/-]+)$/.exec(spec);
  if (range) return { source: range[1] ?? '', destination: range[2] ?? '' };
  if (/^[0-9A-Za-z._/-]+$/.test(spec) && !spec.includes('..')) return { source: spec, destination: null };
  return null;
}

function resolve(gitDir: string, revision: string): string | null {
  // A revision from a URL is never an option of git's.
  if (revision.startsWith('-')) return null;
  try {
    return execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${revision}^{commit}`], quiet).trim();
  } catch {
    return null;
  }
}

/** The full hash of a commit of the repository's git, or null when there is no such commit (or no git). */
export function commitOf(repository: FakeRepository, revision: string): string | null {
  return repository.gitDir === null ? null : resolve(repository.gitDir, revision);
}

/** The diff a spec names, or why there is none (`unknown` names the commit that does not exist). */
export function diffOf(repository: FakeRepository, spec: { source: string; destination: string | null }, options: DiffOptions): Diff | { unknown: string } {
  const gitDir = repository.gitDir;
  if (gitDir === null) return { unknown: spec.source };
  const to = resolve(gitDir, spec.source);
  if (to === null) return { unknown: spec.source };
  let from: string;
  if (spec.destination === null) {
    from = resolve(gitDir, `${to}^1`) ?? EMPTY_TREE;
  } else {
    const destination = resolve(gitDir, spec.destination);
    if (destination === null) return { unknown: spec.destination };
    from = options.topic ? execFileSync('git', ['--git-dir', gitDir, 'merge-base', to, destination], quiet).trim() || destination : destination;
  }
  const key = JSON.stringify([gitDir, from, to, options]);
  const cached = cache.get(key);
  if (cached) return cached;
  const flags = [options.renames ? '-M' : '--no-renames', ...(options.ignoreWhitespace ? ['-w'] : [])];
  const paths = options.paths.length > 0 ? ['--', ...options.paths] : [];
  const numstat = execFileSync('git', ['--git-dir', gitDir, 'diff', '--no-color', '-z', '--numstat', ...flags, from, to, ...paths], quiet);
  const nameStatus = execFileSync('git', ['--git-dir', gitDir, 'diff', '--no-color', '-z', '--name-status', ...flags, from, to, ...paths], quiet);
  const diff = { from, to, entries: combine(parseNumstat(numstat), parseNameStatus(nameStatus)) };
  cache.set(key, diff);
  return diff;
}

interface Counted {
  added: number;
  removed: number;
  oldPath: string;
  newPath: string;
}

function parseNumstat(output: string): Counted[] {
  const fields = output.split('\0');
  const entries: Counted[] = [];
  for (let i = 0; i < fields.length; i++) {
    const head = fields[i] ?? '';
    if (head === '') continue;
    const [added = '-', removed = '-', path = ''] = head.split('\t');
    const count = (value: string) => (value === '-' ? 0 : Number(value));
    if (path === '') {
      // A rename: the two paths follow as fields of their own.
      entries.push({ added: count(added), removed: count(removed), oldPath: fields[i + 1] ?? '', newPath: fields[i + 2] ?? '' });
      i += 2;
    } else {
      entries.push({ added: count(added), removed: count(removed), oldPath: path, newPath: path });
    }
  }
  return entries;
}

function parseNameStatus(output: string): string[] {
  const fields = output.split('\0');
  const statuses: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const code = fields[i] ?? '';
    if (code === '') continue;
    statuses.push(code.charAt(0));
    i += code.startsWith('R') || code.startsWith('C') ? 2 : 1;
  }
  return statuses;
}

function combine(counted: Counted[], codes: string[]): DiffstatEntry[] {
  return counted.map((entry, index) => {
    const code = codes[index] ?? 'M';
    const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : code === 'R' ? 'renamed' : 'modified';
    return {
      status,
      linesAdded: entry.added,
      linesRemoved: entry.removed,
      oldPath: status === 'added' ? null : entry.oldPath,
      newPath: status === 'removed' ? null : entry.newPath,
    };
  });
}
