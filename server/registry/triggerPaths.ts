// Trigger paths: which changed files start a stack's runs (docs/design.md §4, R23). Globs relative
// to the repository root, matched with picomatch; by default everything under the stack's project
// root. Each list is compiled once and kept, since a delivery matches every stack's list against
// every changed path.
import picomatch from 'picomatch';
import { invalid } from '../errors';
import type { StoredStack } from './state';

/** How many globs a stack may list, and how long one may be: enough for any layout, bounded for the matcher. */
export const MAX_TRIGGER_PATHS = 50;
export const MAX_TRIGGER_PATH_LENGTH = 300;

/** Repository-relative, `/`-separated, without `./` or a trailing slash; '' is the repository root. */
export function normalisedRoot(projectRoot: string): string {
  return projectRoot
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/** Everything under the project root: `envs/prod/**`, or `**` for a stack at the repository root. */
export function defaultTriggerPaths(projectRoot: string): string[] {
  const root = normalisedRoot(projectRoot);
  return [root === '' ? '**' : `${root}/**`];
}

/** The globs a stack runs for: its own, or the default from its project root. */
export function triggerPathsOf(stack: Pick<StoredStack, 'projectRoot' | 'triggerPaths'>): string[] {
  return stack.triggerPaths ?? defaultTriggerPaths(stack.projectRoot);
}

/** Validates globs a person typed, before anything is changed. Answers them trimmed. */
export function checkTriggerPaths(globs: readonly string[]): string[] {
  if (globs.length === 0) throw invalid('A stack needs at least one trigger path; leave them out to run on changes under its project root.').about('triggerPaths');
  if (globs.length > MAX_TRIGGER_PATHS) throw invalid(`A stack may list at most ${MAX_TRIGGER_PATHS} trigger paths.`).about('triggerPaths');
  return globs.map((raw) => {
    const glob = raw.trim();
    const problem = globProblem(glob);
    if (problem) throw invalid(`The trigger path "${glob.slice(0, 80)}" ${problem}.`).about('triggerPaths');
    return glob;
  });
}

function globProblem(glob: string): string | null {
  if (glob === '') return 'is empty';
  if (glob.length > MAX_TRIGGER_PATH_LENGTH) return `is longer than ${MAX_TRIGGER_PATH_LENGTH} characters`;
  if (glob.startsWith('/')) return 'starts with "/": trigger paths are relative to the repository root (write modules/** for /modules/**)';
  if (glob.includes('\\')) return 'contains "\\": write paths with "/"';
  if (glob.startsWith('!')) return 'starts with "!": list what should start runs, not what should not';
  if (glob.split('/').some((segment) => segment === '..' || segment === '.')) return 'has a "." or ".." segment: write the path from the repository root';
  if (/[\p{Cc}]/u.test(glob)) return 'contains a control character';
  try {
    picomatch.makeRe(glob, MATCH_OPTIONS);
  } catch {
    return 'is not a glob picomatch can read';
  }
  return null;
}

/** Dotfiles count as changes (`.terraform.lock.hcl`); `**` crosses folders, `*` does not. */
const MATCH_OPTIONS: picomatch.PicomatchOptions = { dot: true, strictSlashes: false };

const compiled = new Map<string, (path: string) => boolean>();
/** Bounds the cache when stacks change their globs over a long life: a miss only costs a compile. */
const MAX_COMPILED = 10_000;

/** One matcher for a list of globs, compiled the first time the list is seen. */
export function triggerMatcher(globs: readonly string[]): (path: string) => boolean {
  const key = JSON.stringify(globs);
  let matcher = compiled.get(key);
  if (!matcher) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    matcher = picomatch([...globs], MATCH_OPTIONS);
    compiled.set(key, matcher);
  }
  return matcher;
}
