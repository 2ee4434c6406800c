// A checkout of a run's commit: one cached bare repository per Bitbucket repository (fetched when the
// commit is not in it yet) and a `git worktree` per run, in a folder of the run's own, removed
// afterwards. Runs of one repository share its cache, from this process and others on the store, so
// the cache is changed only under its lock (gitRepository.ts), and nothing from a repository (hooks,
// config, filters) runs while Stackhook checks it out.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateFolder } from '../store/atomicFile';
import { cacheName, git, prepareCache, withRepositoryLock, type GitRun } from './gitRepository';

export { GIT_TOKEN_USER, cacheName } from './gitRepository';

export interface GitAccess {
  /** The repository's https clone URL, without any user in it. */
  url: string;
  token: string;
}

/** `https://ana@bitbucket.org/acme/network.git` → `https://bitbucket.org/acme/network.git`. */
export function withoutUser(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/** The worktree is `repo/` in the run's folder; the run keeps its home and temporary files beside it. */
const WORKTREE = 'repo';

/** The run's folder a worktree is in: removed with it, so what the run keeps there goes too. */
export const runFolderOf = (worktree: string): string => path.dirname(worktree);

/**
 * What older Stackhooks kept here and nothing uses any more: caches named so that two repositories
 * could share one (and that a run may have planted hooks in), and the askpass script every checkout rewrote.
 */
const LEGACY = ['cache', 'askpass.sh'];
const legacyRemoved = new Set<string>();

export class GitCheckouts {
  private readonly runFolders = new Map<string, string>();

  constructor(readonly folder: string) {}

  cacheOf(repository: string): string {
    return path.join(this.folder, 'repositories', cacheName(repository));
  }

  /** A worktree at `commit`, from the cache (made or fetched first). Returns its folder. */
  async checkout(repository: string, access: GitAccess, commit: string, runId: string, signal: AbortSignal): Promise<string> {
    // It becomes an argument of git: a hash, never an option.
    if (!/^[0-9a-f]{7,64}$/i.test(commit)) throw new Error(`"${commit.slice(0, 80)}" is not a commit hash.`);
    await this.removeLegacyCache();
    await ensurePrivateFolder(path.join(this.folder, 'repositories'));
    await ensurePrivateFolder(path.join(this.folder, 'runs'));
    // Unique even when a run id comes back (a run taken over, two processes on one store).
    const runFolder = await fs.mkdtemp(path.join(this.folder, 'runs', `${runId}-`));
    this.runFolders.set(runId, runFolder);
    const worktree = path.join(runFolder, WORKTREE);
    const cache = this.cacheOf(repository);
    const url = withoutUser(access.url);
    const run: GitRun = { token: access.token, url, signal, home: this.folder };
    await withRepositoryLock(cache, async () => {
      await prepareCache(cache, run);
      if (!(await git(['cat-file', '-e', `${commit}^{commit}`], cache, run).then(() => true, () => false))) {
        await git(['fetch', '--quiet', '--prune', '--no-tags', url, '+refs/heads/*:refs/heads/*'], cache, run);
      }
      await git(['worktree', 'prune'], cache, run);
      await git(['worktree', 'add', '--detach', worktree, commit], cache, run);
    });
    return worktree;
  }

  /** Removes the run's folder (its worktree and what the run kept) and what git knows of the worktree. */
  async remove(repository: string, runId: string): Promise<void> {
    const runFolder = this.runFolders.get(runId);
    if (runFolder === undefined) return;
    this.runFolders.delete(runId);
    await fs.rm(runFolder, { recursive: true, force: true });
    const cache = this.cacheOf(repository);
    if (!(await exists(path.join(cache, 'HEAD')))) return;
    const run: GitRun = { token: '', url: null, signal: new AbortController().signal, home: this.folder };
    await withRepositoryLock(cache, async () => {
      await prepareCache(cache, run);
      await git(['worktree', 'prune'], cache, run);
    }).catch(() => undefined);
  }

  private async removeLegacyCache(): Promise<void> {
    if (legacyRemoved.has(this.folder)) return;
    legacyRemoved.add(this.folder);
    for (const name of LEGACY) await fs.rm(path.join(this.folder, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
