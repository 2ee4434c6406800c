// Each run's log in its own file (`<store>/run-logs/<run id>.log`), masked before it is written and
// capped, so a chatty command cannot fill the disk and no secret reaches the file. The logs of runs
// the records no longer hold go as new ones come, as in PostgreSQL, so the folder does not grow forever.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_FILE_MODE, ensurePrivateFolder } from '../atomicFile';
import { DEFAULT_LOG_CAP, LOG_READ_LIMIT, lastLines, maskedLogText, partOf, withinCap } from '../runLogText';
import { RUN_LOG_PRUNE_EVERY, RUN_LOG_PRUNE_GRACE_MS, type RunLogPart, type RunLogs } from '../storeEngine';

const SAFE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/** Which runs the records hold, read afresh (another process on the store may have queued some). */
export type KeptRuns = () => Promise<(runId: string) => boolean>;

export class RunLogFiles implements RunLogs {
  private readonly sizes = new Map<string, number>();
  private newLogs = 0;

  constructor(
    readonly folder: string,
    readonly cap: number = DEFAULT_LOG_CAP,
    /** Without it nothing is pruned. */
    private readonly keptRuns: KeptRuns | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  fileOf(runId: string): string {
    if (!SAFE_ID.test(runId) || runId.startsWith('.')) throw new Error(`"${runId}" is not a run id.`);
    return path.join(this.folder, `${runId}.log`);
  }

  /** Appends masked text; past the cap, one note says the rest was dropped. */
  async append(runId: string, text: string, extraSecrets: readonly string[] = []): Promise<void> {
    if (text === '') return;
    const file = this.fileOf(runId);
    let size = this.sizes.get(runId);
    let isNew = false;
    if (size === undefined) {
      const stats = await fs.stat(file).catch(() => null);
      isNew = stats === null;
      size = stats?.size ?? 0;
    }
    if (size >= this.cap) return;
    const bytes = withinCap(Buffer.from(maskedLogText(text, extraSecrets)), size, this.cap);
    await ensurePrivateFolder(this.folder);
    await fs.appendFile(file, bytes, { mode: PRIVATE_FILE_MODE });
    this.sizes.set(runId, size + bytes.length);
    if (isNew && this.keptRuns && (this.newLogs += 1) % RUN_LOG_PRUNE_EVERY === 0) void this.prune().catch(() => undefined);
  }

  /**
   * Deletes the logs of runs the records no longer hold (their retention: the runs log's and the
   * deliveries log's), unless written within `graceMs`. Returns how many went.
   */
  async prune(graceMs = RUN_LOG_PRUNE_GRACE_MS): Promise<number> {
    if (!this.keptRuns) return 0;
    const names = await fs.readdir(this.folder).catch(() => [] as string[]);
    const isKept = await this.keptRuns();
    const cutoff = this.now() - graceMs;
    let removed = 0;
    for (const name of names) {
      const runId = name.endsWith('.log') ? name.slice(0, -'.log'.length) : null;
      if (runId === null || !SAFE_ID.test(runId) || isKept(runId)) continue;
      const file = path.join(this.folder, name);
      const stats = await fs.stat(file).catch(() => null);
      if (!stats?.isFile() || stats.mtimeMs >= cutoff) continue;
      await fs.rm(file, { force: true });
      this.sizes.delete(runId);
      removed += 1;
    }
    return removed;
  }

  /** Each append is on disk when it resolves: nothing waits. */
  settle(): Promise<void> {
    return Promise.resolve();
  }

  /** What the log holds from `offset`, in whole lines unless `all` (then up to its end). */
  async read(runId: string, offset: number, all: boolean): Promise<RunLogPart> {
    const handle = await fs.open(this.fileOf(runId), 'r').catch(() => null);
    if (!handle) return { text: '', nextOffset: offset, size: 0 };
    try {
      const { size } = await handle.stat();
      if (size <= offset) return { text: '', nextOffset: Math.min(offset, size), size };
      const length = Math.min(size - offset, LOG_READ_LIMIT);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return partOf(buffer.subarray(0, bytesRead), offset, size, all);
    } finally {
      await handle.close();
    }
  }

  /** The last `lines` lines (for a pull request comment). */
  async tail(runId: string, lines: number): Promise<string> {
    return lastLines(await fs.readFile(this.fileOf(runId), 'utf8').catch(() => ''), lines);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
