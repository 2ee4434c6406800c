// How a Stackhook process names itself to the others on a store (in claims, locks and delivery
// records), and how one tells whether a process so named still runs.
import { hostname } from 'node:os';
import { processStartedBy } from './processes';

const STARTED_AT = Date.now();
/** This process: host, pid and start time (a reused pid is another process). */
export const THIS_PROCESS = `${hostname()}:${process.pid}:${STARTED_AT.toString(36)}`;

/** Whether the process named `owner` still runs; one on another host cannot be asked, and counts as alive. */
export function ownerAlive(owner: string): boolean {
  if (owner === THIS_PROCESS) return true;
  const [host, pid, started] = owner.split(':');
  if (host !== hostname()) return true;
  const startedAt = started === undefined ? Number.NaN : parseInt(started, 36);
  return processStartedBy(Number(pid), startedAt);
}
