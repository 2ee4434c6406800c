// Child processes for the scripts: run a command to completion with its output in a log file,
// start a long-lived one in its own process group, and make sure every long-lived process is
// killed when the script exits — normally, on an error, or on Ctrl-C.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Output goes here (appended); on failure its tail is part of the error. */
  logFile: string;
  timeoutMs: number;
}

/** Runs a command to completion; rejects with the log's tail when it fails or takes too long. */
export function run(command: string, args: string[], options: RunOptions): Promise<void> {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  const untrack = track(child);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`${describe(command, args)} took longer than ${options.timeoutMs / 1000}s and was stopped.\n${tail(options.logFile)}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${describe(command, args)} could not start: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      untrack();
      closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`${describe(command, args)} failed (${signal ?? `exit code ${code}`}) in ${options.cwd}.\n${tail(options.logFile)}`));
    });
  });
}

/** Runs a short command and returns its stdout, or null when it fails. */
export function capture(command: string, args: string[], options: SpawnOptions = {}): string | null {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? String(result.stdout) : null;
}

/**
 * Starts a long-lived process in its own process group (so its children — code-server's
 * extension host and Stackhook's server — go with it) and kills the group when this script exits.
 */
export function startDaemon(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; logFile: string }): ChildProcess {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const untrack = track(child);
  child.once('exit', untrack);
  // A parent that may have to kill this script hard (the editor test runner's watchdog) learns the
  // group to clean up after it, since a SIGKILL leaves no chance to run the exit handler.
  if (process.env.STACKHOOK_DAEMON_GROUPS && child.pid !== undefined) appendFileSync(process.env.STACKHOOK_DAEMON_GROUPS, `${child.pid}\n`);
  return child;
}

/** Kills the process groups listed in a STACKHOOK_DAEMON_GROUPS file (those still alive). */
export function killListedGroups(file: string): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const pid of text.split('\n').map(Number).filter((value) => Number.isInteger(value) && value > 1)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // stray grandchildren of a leader that already exited
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// Every live child started here, killed when the script exits for any reason. On Ctrl-C (or
// SIGTERM/SIGHUP) the shutdown tasks run first — at most 10 s — so a script can stop its servers
// and remove its temp folders.
const live = new Set<ChildProcess>();
const shutdownTasks: Array<() => Promise<unknown>> = [];
let hooked = false;
let shuttingDown = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const each of live) killGroup(each, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (shuttingDown) return;
      shuttingDown = true;
      const tasks = Promise.allSettled(shutdownTasks.map((task) => task()));
      void Promise.race([tasks, new Promise((resolve) => setTimeout(resolve, 10_000))]).finally(() => {
        for (const each of live) killGroup(each, 'SIGTERM');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    });
  }
}

/** Runs `task` when the script is interrupted, before it exits. */
export function onShutdown(task: () => Promise<unknown>): void {
  shutdownTasks.push(task);
  hook();
}

function track(child: ChildProcess): () => void {
  live.add(child);
  hook();
  return () => live.delete(child);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the caller to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return `--- last ${Math.min(lines, text.length)} lines of ${file} ---\n${text.slice(-lines).join('\n')}`;
  } catch {
    return `(no log at ${file})`;
  }
}

function describe(command: string, args: string[]): string {
  return `\`${[command, ...args].join(' ')}\``;
}

/** Polls `check` every `intervalMs` until it returns a value, or throws `onTimeout()` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, options: { timeoutMs: number; intervalMs?: number; onTimeout: () => Error }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw options.onTimeout();
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
