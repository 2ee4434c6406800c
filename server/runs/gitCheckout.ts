// A checkout of a run's commit: one cached bare clone per repository (fetched before each run) and a
// `git worktree` per run, removed afterwards. Git gets the credential through GIT_ASKPASS from its
// own environment, never on a command line, in a URL, in git's config or in the run's environment.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateFolder } from '../store/atomicFile';

/** The user Bitbucket expects for git over HTTPS with an API token. */
export const GIT_TOKEN_USER = 'x-bitbucket-api-token-auth';

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$STACKHOOK_GIT_USERNAME" ;;
  *) printf '%s\\n' "$STACKHOOK_GIT_PASSWORD" ;;
esac
`;

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

export class GitCheckouts {
  constructor(readonly folder: string) {}

  private cacheOf(repository: string): string {
    return path.join(this.folder, 'cache', `${repository.replace(/[^A-Za-z0-9_.-]/g, '_')}.git`);
  }

  private worktreeOf(runId: string): string {
    return path.join(this.folder, 'worktrees', runId);
  }

  /**
   * The askpass helper, written once and never rewritten in place: another run's git may be executing
   * it (rewriting a running script fails with "Text file busy"), so a new one is renamed over it.
   */
  private async askpass(): Promise<string> {
    const file = path.join(this.folder, 'askpass.sh');
    if ((await fs.readFile(file, 'utf8').catch(() => null)) === ASKPASS) return file;
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, ASKPASS, { mode: 0o700 });
    await fs.rename(temp, file);
    return file;
  }

  /** A worktree at `commit`, from the cache (cloned or fetched first). Returns its folder. */
  async checkout(repository: string, access: GitAccess, commit: string, runId: string, signal: AbortSignal): Promise<string> {
    await ensurePrivateFolder(path.join(this.folder, 'cache'));
    await ensurePrivateFolder(path.join(this.folder, 'worktrees'));
    const askpass = await this.askpass();
    const cache = this.cacheOf(repository);
    const env = gitEnvironment(askpass, access.token);
    const url = withoutUser(access.url);
    if (!(await exists(path.join(cache, 'HEAD')))) {
      await git(['clone', '--bare', '--quiet', url, cache], this.folder, env, signal);
    } else {
      await git(['remote', 'set-url', 'origin', url], cache, env, signal);
    }
    await git(['fetch', '--quiet', '--prune', 'origin', '+refs/heads/*:refs/heads/*'], cache, env, signal);
    const worktree = this.worktreeOf(runId);
    await git(['worktree', 'prune'], cache, env, signal);
    await git(['worktree', 'add', '--detach', '--force', worktree, commit], cache, env, signal);
    return worktree;
  }

  /** Removes the run's worktree (and what git knows of it). */
  async remove(repository: string, runId: string): Promise<void> {
    const worktree = this.worktreeOf(runId);
    await fs.rm(worktree, { recursive: true, force: true });
    const cache = this.cacheOf(repository);
    if (await exists(cache)) await git(['worktree', 'prune'], cache, process.env, new AbortController().signal).catch(() => undefined);
  }
}

/** Git's own environment: the askpass helper and the credential for it, no prompts, no stored helpers. */
function gitEnvironment(askpass: string, token: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_ASKPASS: askpass,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    // No credential helper may keep the token.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'credential.helper',
    GIT_CONFIG_VALUE_0: '',
    STACKHOOK_GIT_USERNAME: GIT_TOKEN_USER,
    STACKHOOK_GIT_PASSWORD: token,
  };
}

function git(args: string[], cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, signal, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
    child.on('error', (error) => reject(new Error(`git ${args[0]} could not start: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`git ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
