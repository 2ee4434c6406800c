// An append-only JSON-lines log (runs, deliveries) that several processes may append to at once.
//
// What is in memory is only ever what was read back from the file, in file order: an append writes
// and fsyncs its lines, then reads everything new since the last read (its own lines and any other
// process's). Reads and writes of one process take turns, so nothing is listed twice or missed, and
// nothing is listed before it is on disk.
//
// Appends made while a write is in flight go out together (one write, one fsync). Past `maxEntries`
// lines the file is rotated to `<file>.1` (one older generation kept), so it cannot fill a disk.
import { fstatSync, promises as fs, statSync } from 'node:fs';
import type { z } from 'zod';
import { PRIVATE_FILE_MODE } from './atomicFile';

interface Batch {
  lines: string;
  records: unknown[];
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class AppendLog<S extends z.ZodType> {
  private entries: z.output<S>[] = [];
  /** Bytes of the current file already read into `entries`. */
  private readOffset = 0;
  private linesInFile = 0;
  /** The file ends in a line cut short by a crash; the next append starts on a fresh line. */
  private partialTail = false;
  private pending: Batch | null = null;
  private flushing = false;
  private turn: Promise<unknown> = Promise.resolve();
  /** Kept open between writes (O_APPEND); closed when the file is rotated away. */
  private handle: fs.FileHandle | null = null;

  constructor(
    readonly file: string,
    private readonly schema: S,
    readonly maxEntries: number,
  ) {}

  /** Loads what is on disk (the rotated generation first). Lines that do not parse are skipped. */
  load(): Promise<void> {
    return this.inTurn(() => this.loadNow());
  }

  /** Picks up records another process appended since the last look. Returns whether any came. */
  async refresh(): Promise<boolean> {
    // A write in flight reads everything new when it lands; joining it costs no extra I/O.
    if (this.flushing) return this.inTurn(async () => false);
    // The common case, nothing new, is one stat and does not queue behind this process's writes.
    // A synchronous stat costs microseconds; the promise form costs more than the system call.
    const stats = statOrNull(this.file);
    if (!stats || stats.size === this.readOffset) return false;
    return this.inTurn(() => this.readNew());
  }

  /** Everything in the log, oldest first. Treat it as read-only. */
  all(): readonly z.output<S>[] {
    return this.entries;
  }

  /** Appends durably: resolves once the records are on disk (and listed by `all()`). */
  append(records: readonly z.output<S>[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const lines = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    return new Promise<void>((resolve, reject) => {
      this.pending ??= { lines: '', records: [], settle: [] };
      this.pending.lines += lines;
      this.pending.records.push(...records);
      this.pending.settle.push({ resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending) {
      const batch = this.pending;
      this.pending = null;
      try {
        await this.inTurn(async () => {
          await this.rotateIfFull();
          const offset = this.readOffset;
          await this.write(batch.lines);
          await this.readNew({ offset, text: batch.lines, records: batch.records as z.output<S>[] });
        });
        batch.settle.forEach((s) => s.resolve());
      } catch (error) {
        batch.settle.forEach((s) => s.reject(error));
      }
    }
    this.flushing = false;
  }

  /** Reads and writes of this process take turns: none starts before the previous one ends. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async write(lines: string): Promise<void> {
    const text = this.partialTail ? `\n${lines}` : lines;
    // 'a+': appends always go to the end, and the same handle reads back what landed.
    this.handle ??= await fs.open(this.file, 'a+', PRIVATE_FILE_MODE);
    try {
      // One write call: with O_APPEND, another process's lines land before or after, never inside.
      await this.handle.write(text);
      await this.handle.datasync();
    } catch (error) {
      await this.closeHandle();
      throw error;
    }
    this.partialTail = false;
  }

  private async loadNow(): Promise<void> {
    const older = await readLines(`${this.file}.1`, 0);
    const current = await readLines(this.file, 0);
    this.entries = [...this.parse(older.lines), ...this.parse(current.lines)];
    this.readOffset = current.end;
    this.linesInFile = current.lines.length;
    this.partialTail = current.size > current.end;
  }

  /** Closes the kept handle (tests, shutdown). The next append opens the file again. */
  close(): Promise<void> {
    return this.inTurn(() => this.closeHandle());
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
  }

  /**
   * Reads what was appended since the last read. After this process's own write, `own` says what it
   * wrote from where: when the new bytes are exactly those, its records are taken as they are
   * instead of being parsed again (the common case: no other writer in between).
   */
  private async readNew(own?: { offset: number; text: string; records: z.output<S>[] }): Promise<boolean> {
    const stats = statOrNull(this.file);
    if (!stats) {
      await this.closeHandle(); // rotated away by another process: append to the new file
      return false;
    }
    if (stats.size < this.readOffset || (this.handle && fstatSync(this.handle.fd).ino !== stats.ino)) {
      await this.closeHandle();
      await this.loadNow(); // rotated by another process
      return true;
    }
    if (stats.size === this.readOffset) return false;
    if (own && own.offset === this.readOffset && stats.size === this.readOffset + Buffer.byteLength(own.text)) {
      this.entries.push(...own.records);
      this.readOffset = stats.size;
      this.linesInFile += own.records.length;
      return true;
    }
    const added = await readLines(this.file, this.readOffset);
    this.entries.push(...this.parse(added.lines));
    this.readOffset = added.end;
    this.linesInFile += added.lines.length;
    return added.lines.length > 0;
  }

  /** `linesInFile` is as of the last read (after this process's last write): close enough for a cap. */
  private async rotateIfFull(): Promise<void> {
    if (this.linesInFile < this.maxEntries) return;
    await fs.rename(this.file, `${this.file}.1`).catch(() => undefined);
    await this.closeHandle();
    this.readOffset = 0;
    this.linesInFile = 0;
    this.partialTail = false;
    if (this.entries.length > this.maxEntries * 2) this.entries = this.entries.slice(-this.maxEntries * 2);
  }

  private parse(lines: string[]): z.output<S>[] {
    const parsed: z.output<S>[] = [];
    for (const line of lines) {
      try {
        const result = this.schema.safeParse(JSON.parse(line));
        if (result.success) parsed.push(result.data);
      } catch {
        // A line cut short by a crash mid-write: it was never acknowledged, so skipping it loses nothing.
      }
    }
    return parsed;
  }
}

function statOrNull(file: string): { size: number; ino: number } | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** The whole lines of `file` from byte `from`; a partial last line is left for a later read. */
async function readLines(file: string, from: number): Promise<{ lines: string[]; end: number; size: number }> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return { lines: [], end: 0, size: 0 };
  try {
    const { size } = await handle.stat();
    if (size <= from) return { lines: [], end: size, size };
    const buffer = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    const lastNewline = buffer.lastIndexOf(0x0a, bytesRead - 1);
    if (lastNewline < 0) return { lines: [], end: from, size };
    const lines = buffer.subarray(0, lastNewline).toString('utf8').split('\n').filter((line) => line !== '');
    return { lines, end: from + lastNewline + 1, size };
  } finally {
    await handle.close();
  }
}
