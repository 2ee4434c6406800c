// The sandbox a local run's commands execute in (Debian's bubblewrap, `bwrap`): the run sees its
// worktree and the shared plugin cache (read-write), a private home and /tmp, the system's read-only
// /usr and the few /etc files tools need, and its own /proc in a PID namespace of its own; never the
// server's processes, the store, its keys, the clone cache, other runs or the host's home. The
// network stays shared: providers need it. This module finds out once whether bubblewrap works on
// this machine, and builds its arguments.
import { spawn } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `STACKHOOK_SANDBOX=none` forces the unsandboxed path (tests of it; it never turns a sandbox on). */
export const SANDBOX_ENV = 'STACKHOOK_SANDBOX';

/** Where a sandboxed run's home is, inside its sandbox. */
export const SANDBOX_HOME = '/home/stackhook';

/** The PATH a run gets: the system's folders only, never the server's. */
export const RUN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type SandboxSupport = { readonly available: true; readonly bwrap: string } | { readonly available: false; readonly problem: string };

/** What one sandboxed command sees: host folders, bound at the same path unless said otherwise. */
export interface SandboxLayout {
  /** The run's worktree (a real path), read-write. */
  worktree: string;
  /** Where the command starts, inside the worktree. */
  cwd: string;
  /** The run's private home, bound at SANDBOX_HOME. */
  home: string;
  /** The run's private temporary folder, bound at /tmp. */
  tmp: string;
  /** Shared by every run on this host (TF_PLUGIN_CACHE_DIR), read-write. */
  pluginCache: string;
  /** The command's whole environment (`--clearenv` first). */
  env: Readonly<Record<string, string>>;
}

/**
 * /etc files a tool may need (name resolution, TLS roots, user names, time zone, the loader's cache);
 * nothing else of /etc. Only certificates of /etc/ssl: /etc/ssl/private holds private keys.
 */
const ETC_FILES = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/nsswitch.conf',
  '/etc/services',
  '/etc/protocols',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates.conf',
  '/etc/pki/tls/certs',
  '/etc/pki/ca-trust/extracted',
];

/** The top-level folders that merged-/usr systems make symbolic links into /usr. */
const USR_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * bubblewrap's options for one command (given on a file descriptor with `--args`, so neither the
 * layout nor the environment shows in the host's process list). The command follows `--`.
 */
export function sandboxOptions(layout: SandboxLayout, execPath = process.execPath): string[] {
  const options = [
    // Its own PID namespace: the server's /proc (its environment, its command line) is not there, and
    // every process in it dies with its first one. --die-with-parent ties that one to the server.
    '--unshare-pid',
    '--die-with-parent',
    // No controlling terminal to push input into (TIOCSTI).
    '--new-session',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    // A server running as root must not hand root's capabilities (mknod, mount…) to the command.
    '--cap-drop',
    'ALL',
    '--clearenv',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const top of USR_LINKS) options.push(...topLevel(top));
  for (const file of ETC_FILES) options.push('--ro-bind-try', file, file);
  options.push('--proc', '/proc', '--dev', '/dev');
  options.push('--bind', layout.tmp, '/tmp', '--bind', layout.home, SANDBOX_HOME);
  // The Node that runs Stackhook (the tests' and the demo's commands use it) when it is not a system one.
  if (!execPath.startsWith('/usr/')) options.push('--ro-bind', execPath, execPath);
  options.push('--bind', layout.pluginCache, layout.pluginCache, '--bind', layout.worktree, layout.worktree, '--chdir', layout.cwd);
  for (const [name, value] of Object.entries(layout.env)) options.push('--setenv', name, value);
  return options;
}

function topLevel(folder: string): string[] {
  try {
    const stats = lstatSync(folder);
    if (stats.isSymbolicLink()) return ['--symlink', readlinkSync(folder), folder];
    if (stats.isDirectory()) return ['--ro-bind', folder, folder];
  } catch {
    // Not on this system.
  }
  return [];
}

/** The PATH of a run: the system's, and the folder of the Node that runs Stackhook when it is elsewhere. */
export function runPath(execPath = process.execPath): string {
  const folder = path.dirname(execPath);
  return RUN_PATH.split(':').includes(folder) ? RUN_PATH : `${RUN_PATH}:${folder}`;
}

let detected: Promise<SandboxSupport> | undefined;

/** Whether bubblewrap works here, found out once per process by running a trivial command in it. */
export function sandboxSupport(): Promise<SandboxSupport> {
  detected ??= detect(process.env);
  return detected;
}

/** One line for the server's log when local runs cannot be sandboxed: what is missing, how to fix it. */
export function unsandboxedNotice(problem: string): string {
  return (
    `Local runs are not sandboxed: ${problem}. Their commands run as this user and can read what it can (the store, credentials). ` +
    'Install bubblewrap (sudo apt-get install bubblewrap) and restart; a team server (serve) refuses --local-runner without it.'
  );
}

export async function detect(env: NodeJS.ProcessEnv): Promise<SandboxSupport> {
  if (env[SANDBOX_ENV] === 'none') return { available: false, problem: `the sandbox is turned off (${SANDBOX_ENV}=none)` };
  const bwrap = findProgram('bwrap', `${env.PATH ?? ''}:${RUN_PATH}`);
  if (!bwrap) return { available: false, problem: 'bubblewrap (bwrap) is not installed' };
  const probe = mkdtempSync(path.join(os.tmpdir(), 'stackhook-sandbox-probe-'));
  try {
    const layout: SandboxLayout = { worktree: probe, cwd: probe, home: probe, tmp: probe, pluginCache: probe, env: { PATH: RUN_PATH } };
    const { code, stderr } = await runBwrap(bwrap, sandboxOptions(layout), ['true']);
    if (code === 0) return { available: true, bwrap };
    const reason = stderr.trim().split('\n')[0] || `it exited with ${code}`;
    return {
      available: false,
      problem:
        `bubblewrap (${bwrap}) cannot make a sandbox on this machine (${reason}); it needs unprivileged user namespaces ` +
        '(sysctl kernel.unprivileged_userns_clone=1, or an AppArmor profile that allows them to bwrap) or root',
    };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function runBwrap(bwrap: string, options: string[], command: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, ['--args', '3', '--', ...command], { env: {}, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stderr: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
    writeArgs(child.stdio[3], options);
  });
}

/** bubblewrap's `--args` format: each argument followed by a NUL. */
export function writeArgs(stream: unknown, options: string[]): void {
  const writable = stream as NodeJS.WritableStream | null;
  writable?.on('error', () => undefined); // bwrap that exits early closes it: its exit says why
  writable?.end(Buffer.from(options.map((option) => `${option}\0`).join(''), 'utf8'));
}

/** The absolute path of an executable program found on `searchPath`, or null. */
export function findProgram(name: string, searchPath: string): string | null {
  for (const folder of searchPath.split(':')) {
    if (!folder.startsWith('/')) continue;
    const candidate = path.join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}
