// A lock beside a file (`<file>.lock`), shared by every Stackhook process on the machine. A process
// that dies holding it leaves it stale; after STALE_MS another process takes it over.
import * as lockfile from 'proper-lockfile';

const STALE_MS = 5_000;

export async function withFileLock<T>(file: string, action: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(file, {
    realpath: false,
    stale: STALE_MS,
    update: 1_000,
    retries: { retries: 400, minTimeout: 5, maxTimeout: 100, factor: 1.5, randomize: true },
  });
  try {
    return await action();
  } finally {
    await release().catch(() => undefined);
  }
}
