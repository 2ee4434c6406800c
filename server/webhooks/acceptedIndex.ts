// R16 across processes and independent of the deliveries log's length: one file per accepted
// delivery (`<store>/accepted/<hash of integration id and X-Request-UUID>`), created with O_EXCL so
// that of two receivers on one store exactly one takes a delivery. The file first holds its taker's
// pid; once the delivery is recorded it is replaced (by rename) with the delivery as recorded, which
// is what a retry is answered with. Files are kept for RETENTION_MS, far longer than Bitbucket
// retries (twice, within minutes, never later), then removed.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
  | { kind: 'claimed'; done(delivery: StoredDelivery): Promise<void>; abandon(): Promise<void> }
  | { kind: 'taken'; first: StoredDelivery | null };

/** Who takes a delivery first, across every process on one store: this file index, or a database table. */
export interface DeliveryClaims {
  claim(integrationId: string, requestUuid: string): Promise<Claim>;
}

export class AcceptedIndex implements DeliveryClaims {
  private lastPrune = 0;

  constructor(
    readonly folder: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the delivery for this process, or says who took it first. A delivery whose first attempt is
   * still in flight in another process waits for it; one whose taker died is taken over.
   */
  async claim(integrationId: string, requestUuid: string): Promise<Claim> {
    await fs.mkdir(this.folder, { recursive: true, mode: 0o700 });
    void this.pruneNow();
    const file = path.join(this.folder, keyOf(integrationId, requestUuid));
    const deadline = this.now() + WAIT_LIMIT_MS;
    for (;;) {
      const created = await fs.open(file, 'wx', PRIVATE_FILE_MODE).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return null;
        throw error;
      });
      if (created) {
        try {
          await created.writeFile(`${process.pid}\n`);
        } catch (error) {
          // A claim that cannot say who holds it (a full disk) must not block the retry.
          await fs.rm(file, { force: true });
          throw error;
        } finally {
          await created.close();
        }
        return { kind: 'claimed', done: (delivery) => this.complete(file, delivery), abandon: () => fs.rm(file, { force: true }) };
      }
      const held = await readClaim(file);
      if (held.kind === 'done') return { kind: 'taken', first: held.delivery };
      if (held.kind === 'gone') continue;
      const abandoned = (held.pid !== null && !isProcessAlive(held.pid)) || this.now() - held.mtimeMs > ABANDONED_MS;
      if (abandoned) {
        await fs.rm(file, { force: true });
        continue;
      }
      // Another attempt of this delivery is being handled right now.
      if (this.now() > deadline) return { kind: 'taken', first: null };
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
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

  private async complete(file: string, delivery: StoredDelivery): Promise<void> {
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(temp, 'w', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify(delivery));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
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
