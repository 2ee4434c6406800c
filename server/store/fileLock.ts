// A lock beside a file (`<file>.lock`), shared by every Stackhook process on the machine. The holder
// writes its pid into the lock, so a lock left by a process that died (SIGKILL, a crash) is taken
// over at once; a lock whose holder cannot be told goes stale after STALE_MS without updates.
import { promises as fs } from 'node:fs';
import * as lockfile from 'proper-lockfile';
import { isProcessAlive } from './processes';

const STALE_MS = 5_000;
/** Waits for a lock held by a live process for at most this long. */
const WAIT_LIMIT_MS = 30_000;

const lockPath = (file: string) => `${file}.lock`;
/** Beside the lock, not in it: the lock is a folder its library removes with rmdir. */
const ownerPath = (file: string) => `${file}.lock-owner`;

/** Removes the lock of a holder that no longer runs. Returns whether it did. */
async function takeOverIfDead(file: string): Promise<boolean> {
  const owner = await fs.readFile(ownerPath(file), 'utf8').catch(() => null);
  // An owner file being written may read empty: only a whole pid counts, and only a dead one is taken over.
  const digits = owner === null ? null : /^(\d+)\n$/.exec(owner)?.[1];
  const pid = digits ? Number(digits) : NaN;
  if (!(pid > 0) || isProcessAlive(pid)) return false;
  // Renamed first, so only one of several waiting processes removes it and none removes a fresh lock.
  const moved = `${lockPath(file)}.dead-${pid}-${process.pid}`;
  const renamed = await fs.rename(lockPath(file), moved).then(
    () => true,
    () => false,
  );
  if (!renamed) return false;
  // Before anyone locks again: a waiter must not read the dead pid while the next holder has the lock.
  await fs.rm(ownerPath(file), { force: true });
  await fs.rm(moved, { recursive: true, force: true });
  return true;
}

/** `waitMs`: how long to wait for a live holder (longer for locks held over slow work, such as a clone). */
export async function withFileLock<T>(file: string, action: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? WAIT_LIMIT_MS);
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; !release; attempt += 1) {
    try {
      release = await lockfile.lock(file, { realpath: false, stale: STALE_MS, update: 1_000, retries: 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) throw error;
      if (await takeOverIfDead(file)) continue;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * 1.5 ** attempt) * (0.5 + Math.random())));
    }
  }
  await fs.writeFile(ownerPath(file), `${process.pid}\n`, { mode: 0o600 }).catch(() => undefined);
  try {
    return await action();
  } finally {
    await fs.rm(ownerPath(file), { force: true }).catch(() => undefined);
    await release().catch(() => undefined);
  }
}
