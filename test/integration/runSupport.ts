// What the run tests share: limits short enough for loopback (polls, retries, kill grace), and how
// to find a run's processes on this host.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import type { ServerHandle } from '../support/serverProcess';
import { eventually } from './receiverSupport';

export const RUN_ENV = {
  STACKHOOK_BITBUCKET_TIMEOUT_MS: '1500',
  STACKHOOK_BITBUCKET_BACKOFF_MS: '20',
  STACKHOOK_RUN_POLL_MS: '40',
  STACKHOOK_RUN_POLL_MAX_MS: '150',
  STACKHOOK_RUN_RETRY_MS: '20',
  STACKHOOK_RUN_KILL_GRACE_MS: '500',
};

/** Whether no process has this pid any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A word no other process has on its command line: tests put it in a command's script to find its processes. */
export function uniqueMarker(name: string): string {
  return `${name}-${randomBytes(6).toString('hex')}`;
}

/**
 * The host pids of every process whose command line holds `marker`. A sandboxed run prints the pids
 * of its own PID namespace, which mean nothing on the host: tests find its processes by their
 * command line instead (bubblewrap's processes carry the command's, so they are found too).
 */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

/** A bitbucket-pipelines.yml that defines the custom pipelines runs trigger by default (the plan's sends nothing back). */
export const PIPELINES_YAML = 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          script:\n            - tofu plan\n    stackhook-apply:\n      - step:\n          script:\n            - tofu apply\n';

/** Paths under `folder`, relative to it; a folder removed while it is walked (a run's, as it ends) is skipped. */
export function pathsUnder(folder: string, at = ''): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(folder, at), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.flatMap((entry) => {
    const relative = at ? path.join(at, entry.name) : entry.name;
    return entry.isDirectory() ? [relative, ...pathsUnder(folder, relative)] : [relative];
  });
}


/**
 * A run as the server answers it, its log, and a wait for one of some states that, when it gives up,
 * says what the run is and the end of its log. `server` is read at each call (tests start it in `before`).
 */
export function runWatch(server: () => Pick<ServerHandle, 'request'>) {
  const run = (runId: string) => server().request(Protocol.RunsGet, { runId });
  const logOf = async (runId: string) => (await server().request(Protocol.RunsLog, { runId })).text;
  const waitFor = async (runId: string, states: Protocol.Run['state'][], timeoutMs = 40_000) => {
    await eventually(async () => states.includes((await run(runId)).state), `run ${runId} to be ${states.join(' or ')}`, timeoutMs).catch(async (error: Error) => {
      throw new Error(`${error.message}: it is ${JSON.stringify(await run(runId))}; its log: ${(await logOf(runId)).slice(-3_000)}`);
    });
    return run(runId);
  };
  return { run, logOf, waitFor };
}
