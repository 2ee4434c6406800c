// Starts one command of a local run: in the sandbox (sandbox.ts) where bubblewrap works; otherwise
// directly, under `setpriv --pdeathsig SIGKILL` so that it dies with the server. Either way the
// command's environment is built here from nothing, never copied from the server's (which holds its
// configuration), and the command is the leader of a process group of its own.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as z from 'zod';
import { ensurePrivateFolder } from '../store/atomicFile';
import { runFolderOf } from './gitCheckout';
import { findProgram, RUN_PATH, runPath, SANDBOX_HOME, sandboxOptions, sandboxSupport, writeArgs, type SandboxLayout } from './sandbox';

/** Where a command runs: the run's worktree and the folder in it, both real paths (projectRoot.ts). */
export interface RunPlace {
  worktree: string;
  cwd: string;
}

export interface RunProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** TERM asks the command (and its process group) to end; KILL ends every process of the command. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
}

/** What bubblewrap says on `--info-fd` once the sandbox runs: the host pid of the sandbox's first process. */
const SandboxInfo = z.object({ 'child-pid': z.number().int().positive() });

/** The folder every run on this host shares for providers (TF_PLUGIN_CACHE_DIR), in the store. */
export const pluginCacheOf = (store: string): string => path.join(store, 'plugin-cache');

/**
 * Starts `argv` in `place` with the run's own variables (STACKHOOK_RUN_ID…) and nothing else of
 * this process: PATH, HOME and the Terraform settings are set here, LANG and TZ kept when set.
 */
export async function startRunProcess(argv: readonly string[], place: RunPlace, variables: Readonly<Record<string, string>>, store: string): Promise<RunProcess> {
  const [program, ...args] = argv as [string, ...string[]];
  const runFolder = runFolderOf(place.worktree);
  const home = path.join(runFolder, 'home');
  const tmp = path.join(runFolder, 'tmp');
  const pluginCache = pluginCacheOf(store);
  await Promise.all([ensurePrivateFolder(home), ensurePrivateFolder(tmp), ensurePrivateFolder(pluginCache)]);
  const support = await sandboxSupport();
  if (!support.available) {
    const env = runEnvironment(variables, { home, tmp, pluginCache });
    // The command dies with the server (PR_SET_PDEATHSIG survives its exec); what it spawns in turn is
    // ended by its process group, on cancel or by the next server on this store (endLeftover).
    const setpriv = findProgram('setpriv', RUN_PATH);
    const child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', program, ...args], { cwd: place.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(program, args, { cwd: place.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const signal = (which: 'SIGTERM' | 'SIGKILL') => {
      if (child.pid !== undefined) signalGroup(child.pid, which);
    };
    return { child, signal };
  }
  const layout: SandboxLayout = { worktree: place.worktree, cwd: place.cwd, home, tmp, pluginCache, env: runEnvironment(variables, { home: SANDBOX_HOME, tmp: null, pluginCache }) };
  // bubblewrap gets an empty environment: its first process inside the sandbox shows bubblewrap's
  // starting environment in /proc/1/environ, which the command can read.
  const child = spawn(support.bwrap, ['--args', '3', '--info-fd', '4', '--', program, ...args], {
    cwd: place.cwd,
    env: {},
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  writeArgs(child.stdio[3], sandboxOptions(layout));
  // The command is in the process group of the sandbox's first process, not in bubblewrap's: TERM goes
  // there, so the command can end cleanly (bubblewrap itself would die of it and take everything at once).
  let inside: number | null = null;
  let termAsked = false;
  let info = '';
  const infoStream = child.stdio[4] as NodeJS.ReadableStream | null;
  infoStream?.on('data', (chunk: Buffer) => (info += chunk.toString('utf8')));
  infoStream?.on('end', () => {
    const parsed = SandboxInfo.safeParse(parseJson(info));
    inside = parsed.success ? parsed.data['child-pid'] : null;
    if (inside !== null && termAsked) signalGroup(inside, 'SIGTERM');
  });
  const signal = (which: 'SIGTERM' | 'SIGKILL') => {
    if (which === 'SIGTERM') {
      if (inside !== null) signalGroup(inside, 'SIGTERM');
      else termAsked = true;
      return;
    }
    // bubblewrap's death kills the sandbox's first process (--die-with-parent), and with it every process in the sandbox.
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    if (inside !== null) signalGroup(inside, 'SIGKILL');
  };
  // stdin is 'ignore' and stdout, stderr pipes: the two extra descriptors are bubblewrap's alone.
  return { child: child as ChildProcessByStdio<null, Readable, Readable>, signal };
}

/**
 * A run's environment. The server's own is never copied: it holds its configuration, and the
 * secrets it was started with stay readable in /proc/<server pid>/environ even after start-up
 * removed them from process.env (server/startupSecrets.ts), which is why a sandboxed run gets a PID
 * namespace of its own, where the server is not.
 */
export function runEnvironment(
  variables: Readonly<Record<string, string>>,
  paths: { home: string; tmp: string | null; pluginCache: string },
  server: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = { PATH: runPath(), HOME: paths.home };
  for (const name of ['LANG', 'TZ']) {
    const value = server[name];
    if (value) env[name] = value;
  }
  if (paths.tmp !== null) env.TMPDIR = paths.tmp;
  return { ...env, TF_IN_AUTOMATION: '1', TF_PLUGIN_CACHE_DIR: paths.pluginCache, ...variables };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Ends the process group a crashed server left running, if one of its processes still works in one
 * of this store's checkouts. Without a sandbox the group's leader died with its server but what it
 * spawned may not have; a group id is not reused while the group has members, and the working folder
 * tells a group of ours from another program's.
 */
export function endLeftover(pid: number, checkouts: string): void {
  // Commands start in real paths (projectRoot.ts): the store's folder may be reached through a link.
  const prefixes = [path.resolve(checkouts), realOrNull(checkouts)].filter((prefix): prefix is string => prefix !== null).map((prefix) => prefix + path.sep);
  for (const member of groupMembers(pid)) {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${member}/cwd`);
    } catch {
      continue;
    }
    if (prefixes.some((prefix) => cwd.startsWith(prefix))) {
      signalGroup(pid, 'SIGKILL');
      return;
    }
  }
}

function realOrNull(folder: string): string | null {
  try {
    return realpathSync(folder);
  } catch {
    return null;
  }
}

/** The processes of process group `group`, as /proc tells (the field after the command's name in `stat`). */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group) members.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return members;
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already ended.
  }
}
