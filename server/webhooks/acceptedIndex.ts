// R16 across processes and independent of the deliveries log's length: one file per accepted
// delivery (`<store>/accepted/<hash of integration id and X-Request-UUID>`), created with O_EXCL so
// that of two receivers on one store exactly one takes a delivery. The file first holds its taker's
// pid; once the delivery is recorded the taker writes the delivery as recorded over it, which is
// what a retry is answered with. Files are kept for RETENTION_MS, far longer than Bitbucket
// retries (twice, within minutes, never later), then removed.
//
// Both steps sit on every accepted delivery's path, so they cost one file creation and two writes
// through one descriptor. They go through the thread pool (callback calls, lighter than FileHandle
// promises): creating a file can wait behind a journal commit that the deliveries log's fsync
// started, and the event loop must not wait with it. Why the record needs no fsync of its own is
// said at `complete`.
import { createHash } from 'node:crypto';
import { close as closeFd, mkdirSync, open as openFd, promises as fs, write as writeFd } from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_FILE_MODE } from '../store/atomicFile';
import { isProcessAlive } from '../store/processes';
import { StoredDelivery } from './storedDelivery';

export const ACCEPTED_FOLDER = 'accepted';
/** A week: Bitbucket retries only within minutes of the first attempt. */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** A claim still pending after this long lost its taker, whatever its pid says (pids are reused). */
const ABANDONED_MS = 60_000;
const WAIT_STEP_MS = 25;
/** Bitbucket waits 10 s for an answer; a retry waiting for the first attempt gives up before that. */
const WAIT_LIMIT_MS = 8_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export type Claim =
  | {
      kind: 'claimed';
      done(delivery: StoredDelivery): Promise<void>;
      abandon(): Promise<void>;
      /** Taken over from a taker that died, which may have recorded the delivery before it could say so here. */
      takenOver?: true;
    }
  | { kind: 'taken'; first: StoredDelivery | null };

/** Who takes a delivery first, across every process on one store: this file index, or a database table. */
export interface DeliveryClaims {
  claim(integrationId: string, requestUuid: string): Promise<Claim>;
}

export class AcceptedIndex implements DeliveryClaims {
  private lastPrune = 0;
  /** The folder was made (or found) by this process; made again if it disappears. */
  private folderMade = false;

  constructor(
    readonly folder: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the delivery for this process, or says who took it first. A delivery whose first attempt is
   * still in flight in another process waits for it; one whose taker died is taken over.
   */
  async claim(integrationId: string, requestUuid: string): Promise<Claim> {
    void this.pruneNow();
    const file = path.join(this.folder, keyOf(integrationId, requestUuid));
    const deadline = this.now() + WAIT_LIMIT_MS;
    let takenOver = false;
    for (;;) {
      const fd = await this.create(file);
      if (fd !== null) {
        let open = true;
        let recorded = false;
        const close = async () => {
          if (!open) return;
          open = false;
          await closeQuietly(fd);
        };
        return {
          kind: 'claimed',
          ...(takenOver ? { takenOver: true as const } : {}),
          done: async (delivery) => {
            recorded = true;
            try {
              await complete(fd, delivery);
            } finally {
              await close();
            }
          },
          abandon: async () => {
            await close();
            // Once recorded in the log, the claim stays even if its record could not be written here:
            // a retry then waits, or takes it over, and is answered from the log.
            if (!recorded) await fs.rm(file, { force: true });
          },
        };
      }
      const held = await readClaim(file);
      if (held.kind === 'done') return { kind: 'taken', first: held.delivery };
      if (held.kind === 'gone') continue;
      const abandoned = (held.pid !== null && !isProcessAlive(held.pid)) || this.now() - held.mtimeMs > ABANDONED_MS;
      if (abandoned) {
        await fs.rm(file, { force: true });
        takenOver = true;
        continue;
      }
      // Another attempt of this delivery is being handled right now.
      if (this.now() > deadline) return { kind: 'taken', first: null };
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /**
   * Creates the claim file (O_EXCL) holding this process's pid and returns it open, for the record
   * to be written over; null when the file exists already.
   */
  private async create(file: string): Promise<number | null> {
    const madeJustNow = !this.folderMade;
    if (madeJustNow) {
      mkdirSync(this.folder, { recursive: true, mode: 0o700 });
      this.folderMade = true;
    }
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) => openFd(file, 'wx', PRIVATE_FILE_MODE, (error, opened) => (error ? reject(error) : resolve(opened))));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return null;
      if (code === 'ENOENT' && !madeJustNow) {
        // The folder was removed under a running server: make it again.
        this.folderMade = false;
        return this.create(file);
      }
      throw error;
    }
    try {
      await writeFully(fd, `${process.pid}\n`);
    } catch (error) {
      // A claim that cannot say who holds it (a full disk) must not block the retry.
      await closeQuietly(fd);
      await fs.rm(file, { force: true });
      throw error;
    }
    return fd;
  }

  /** Removes the files of deliveries older than RETENTION_MS. */
  async prune(): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.folder);
    } catch {
      return 0;
    }
    const cutoff = this.now() - RETENTION_MS;
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.folder, name);
      const stats = await fs.stat(file).catch(() => null);
      if (stats && stats.mtimeMs < cutoff) {
        await fs.rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  private async pruneNow(): Promise<void> {
    if (this.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = this.now();
    await this.prune().catch(() => undefined);
  }

}

/**
 * Writes the delivery as recorded over the claim's pid, through the descriptor that created it. The
 * record is longer than the pid line and starts with `{`, so a reader in another process sees the
 * pid, a record cut short, or the whole record: one cut short reads as a pending claim (see
 * readClaim), and the reader looks again a moment later.
 *
 * Not fsynced, on purpose. When this runs, the same record is already fsynced in the deliveries
 * log, which keeps two generations of (by default) 10,000 deliveries each, far more than arrive
 * between an attempt and Bitbucket's retries minutes later, and which a retry is checked against:
 * as loaded when the server starts, and afresh before a claim whose taker died is taken over
 * (`takenOver`). A crash that loses these bytes (the kernel writes them back within seconds)
 * leaves the pid, or an empty or cut-short file: all read as pending and are taken over once their
 * taker is dead or ABANDONED_MS has passed, and the log answers the retry as a duplicate. The claim file itself was never fsynced (nor its folder), so an fsync of the record
 * alone would not make the file survive a crash; it cost one fsync per delivery, shared with no
 * other, on every accepted delivery's path.
 */
function complete(fd: number, delivery: StoredDelivery): Promise<void> {
  return writeFully(fd, JSON.stringify(delivery), 0);
}

const closeQuietly = (fd: number) => new Promise<void>((resolve) => closeFd(fd, () => resolve()));

/** Writes all of `text` (at `position`, or where the file offset is); a write with no progress (a full disk) is an error. */
async function writeFully(fd: number, text: string, position?: number): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  for (let written = 0; written < bytes.length; ) {
    const at = position === undefined ? null : position + written;
    const count = await new Promise<number>((resolve, reject) =>
      writeFd(fd, bytes, written, bytes.length - written, at, (error, n) => (error ? reject(error) : resolve(n))),
    );
    if (count <= 0) throw Object.assign(new Error('nothing could be written (is the disk full?)'), { code: 'ENOSPC' });
    written += count;
  }
}

function keyOf(integrationId: string, requestUuid: string): string {
  return createHash('sha256').update(`${integrationId}\u0000${requestUuid}`).digest('hex').slice(0, 40);
}

type HeldClaim = { kind: 'done'; delivery: StoredDelivery } | { kind: 'pending'; pid: number | null; mtimeMs: number } | { kind: 'gone' };

async function readClaim(file: string): Promise<HeldClaim> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, mtimeMs] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((stats) => stats.mtimeMs)]);
  } catch {
    return { kind: 'gone' };
  }
  if (text.startsWith('{')) {
    try {
      const parsed = StoredDelivery.safeParse(JSON.parse(text));
      if (parsed.success) return { kind: 'done', delivery: parsed.data };
    } catch {
      // A damaged record: treated as pending below, and taken over once abandoned.
    }
    return { kind: 'pending', pid: null, mtimeMs };
  }
  const pid = /^(\d+)\n$/.exec(text)?.[1];
  return { kind: 'pending', pid: pid ? Number(pid) : null, mtimeMs };
}
