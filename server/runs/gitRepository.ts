// Git as the local runner uses it on its clone cache, where a run's code may have been before (an
// unsandboxed run can write to the cache): every invocation ignores hooks, fsmonitor, the system's
// and the user's config and any protocol but https, and the cache's own config is written anew by
// Stackhook before each use. Git gets the credential from a credential helper defined on its own
// command line, reading it from git's environment: it is never in a file, a URL, git's config files
// or a run's environment. Each repository has its own cache, changed only under its lock.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import { withFileLock } from '../store/fileLock';
import { RUN_PATH } from './sandbox';

/** The user Bitbucket expects for git over HTTPS with an API token. */
export const GIT_TOKEN_USER = 'x-bitbucket-api-token-auth';

/** Answers `get` from git's environment; `store` and `erase` are ignored, so the token is kept nowhere. */
const CREDENTIAL_HELPER =
  '!f() { test "$1" = get || exit 0; cat >/dev/null; printf \'username=%s\\npassword=%s\\n\' "$STACKHOOK_GIT_USERNAME" "$STACKHOOK_GIT_PASSWORD"; }; f';

/** The cache's whole config, written before each use: whatever a run added to it (hooks, filters, helpers, includes) goes. */
const CACHE_CONFIG = `[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = true
[gc]
\tautoDetach = false
`;

/** Files of a git folder that make git read or run something elsewhere; a cache never needs them. */
const FOREIGN_FILES = ['objects/info/alternates', 'objects/info/http-alternates', 'info/grafts', 'commondir', 'config.worktree'];

/** A clone cache may take this long to be made or fetched by another run before waiting gives up. */
const LOCK_WAIT_MS = 15 * 60_000;

export interface GitRun {
  token: string;
  /** The URL fetched from, or null when nothing is fetched (it decides whether plain http may be used). */
  url: string | null;
  signal: AbortSignal;
  /** git's HOME: a folder of Stackhook's, never the user's. */
  home: string;
}

/**
 * The cache folder of a repository: one-to-one, so two repositories never share one (`acme/b_c` and
 * `acme_b/c` once did). Letters, digits, `.` and `-` stay; any other byte becomes `_` and two hex digits.
 */
export function cacheName(repository: string): string {
  const encoded = [...Buffer.from(repository, 'utf8')]
    .map((byte) => (/[A-Za-z0-9.-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, '0')}`))
    .join('');
  if (encoded.length <= 200) return `${encoded}.git`;
  // Too long for a file name: a readable start and the hash of the whole name.
  return `${encoded.slice(0, 120)}-${createHash('sha256').update(repository).digest('hex')}.git`;
}

const inProcess = new Map<string, Promise<void>>();

/** Runs `action` holding the cache's lock: in this process first (in turn), then across processes on the store. */
export async function withRepositoryLock<T>(cache: string, action: () => Promise<T>): Promise<T> {
  const before = inProcess.get(cache) ?? Promise.resolve();
  let release = () => undefined as void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const queue = before.then(() => mine);
  inProcess.set(cache, queue);
  await before;
  try {
    return await withFileLock(cache, action, { waitMs: LOCK_WAIT_MS });
  } finally {
    release();
    if (inProcess.get(cache) === queue) inProcess.delete(cache);
  }
}

/** Makes the cache if it is missing, and puts back Stackhook's config; under the cache's lock. */
export async function prepareCache(cache: string, run: GitRun): Promise<void> {
  const stats = await fs.lstat(cache).catch(() => null);
  // A cache replaced by a link (to another repository's cache, say) is not followed: it is made anew.
  if (stats && !stats.isDirectory()) await fs.rm(cache, { force: true });
  if (!stats?.isDirectory() || !(await fs.stat(path.join(cache, 'HEAD')).catch(() => null))) {
    await git(['init', '--quiet', '--bare', '--template=', cache], path.dirname(cache), run);
  }
  await writeFileAtomic(path.join(cache, 'config'), CACHE_CONFIG);
  await Promise.all(FOREIGN_FILES.map((file) => fs.rm(path.join(cache, file), { recursive: true, force: true })));
}

/** Plain http only to this machine (a Bitbucket double in tests); Bitbucket itself is https. */
function allowsPlainHttp(url: string | null): boolean {
  if (url === null) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  } catch {
    return false;
  }
}

/** `git -c … args` as every invocation gets it. */
export function gitArguments(args: string[], url: string | null): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'protocol.allow=never',
    'protocol.https.allow=always',
    ...(allowsPlainHttp(url) ? ['protocol.http.allow=always'] : []),
    // An empty helper first clears any other; ours answers from git's environment.
    'credential.helper=',
    `credential.helper=${CREDENTIAL_HELPER}`,
    'init.defaultBranch=main',
  ];
  return [...settings.flatMap((setting) => ['-c', setting]), ...args];
}

/** git's environment: made here, never the server's (which may carry GIT_DIR, GIT_SSH_COMMAND, …). */
export function gitEnvironment(run: GitRun, server: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: RUN_PATH,
    HOME: run.home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    STACKHOOK_GIT_USERNAME: GIT_TOKEN_USER,
    STACKHOOK_GIT_PASSWORD: run.token,
  };
  // The network's settings, which the server's host may need to reach Bitbucket.
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) {
    if (server[name]) env[name] = server[name];
  }
  return env;
}

/** Runs git in `cwd` (the cache, or the folder it is made in: never a worktree, which may be going). */
export function git(args: string[], cwd: string, run: GitRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArguments(args, run.url), { cwd, env: gitEnvironment(run), signal: run.signal, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
    child.on('error', (error) => reject(new Error(`git ${args[0]} could not start: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`git ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
