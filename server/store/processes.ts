// Whether the process that left something behind (a lock, a temporary file, a claim) still runs.
import { readFileSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When this machine booted, in ms since the epoch (Linux: /proc/stat), or null where it cannot be told. */
const bootedAt: number | null = (() => {
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return line ? Number(line[1]) * 1000 : null;
  } catch {
    return null;
  }
})();
/** Linux counts a process's start in clock ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** When process `pid` started, in ms since the epoch, or null where /proc cannot tell. */
export function processStartTime(pid: number): number | null {
  if (bootedAt === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? bootedAt + (ticks / TICKS_PER_SECOND) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is still the process that named itself at `startedAtMs`: alive, and not a newer
 * process that was given the same pid after it died (it would have started after that moment).
 * A process stopped by SIGSTOP is alive.
 */
export function processStartedBy(pid: number, startedAtMs: number): boolean {
  if (!isProcessAlive(pid)) return false;
  if (!Number.isFinite(startedAtMs)) return true;
  const started = processStartTime(pid);
  // A second of slack: the clock ticks of /proc and the time the process read are not the same clock.
  return started === null || started <= startedAtMs + 1_000;
}
