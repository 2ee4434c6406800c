// An append-only JSON-lines log (runs, deliveries) with group commit: records appended while a
// write is in flight go out together in one write and one fsync. The log is capped: past
// `maxEntries` the file is rotated to `<file>.1` (one older generation kept), so it cannot fill a disk.
import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { PRIVATE_FILE_MODE } from './atomicFile';

interface Pending {
  lines: string;
  count: number;
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class AppendLog<S extends z.ZodType> {
  private entries: z.output<S>[] = [];
  private readOffset = 0;
  private pending: Pending | null = null;
  private flushing: Promise<void> | null = null;
  private lineCountInFile = 0;
  /** The file ends in a line cut short by a crash; the next append starts on a fresh line. */
  private partialTail = false;

  constructor(
    readonly file: string,
    private readonly schema: S,
    readonly maxEntries: number,
  ) {}

  /** Loads what is on disk (the rotated generation first). Lines that do not parse are skipped. */
  async load(): Promise<void> {
    const older = await readLines(`${this.file}.1`, 0);
    const current = await readLines(this.file, 0);
    this.entries = [...this.parseLines(older.lines), ...this.parseLines(current.lines)];
    this.readOffset = current.size;
    this.partialTail = current.size > current.end;
    this.lineCountInFile = current.lines.length;
  }

  /** Picks up records another process appended since the last look. Returns whether any came. */
  async refresh(): Promise<boolean> {
    const stats = await fs.stat(this.file).catch(() => null);
    if (!stats) return false;
    if (stats.size < this.readOffset) {
      await this.load(); // rotated by another process
      return true;
    }
    if (stats.size === this.readOffset) return false;
    const added = await readLines(this.file, this.readOffset);
    this.entries.push(...this.parseLines(added.lines));
    this.readOffset = added.end;
    this.lineCountInFile += added.lines.length;
    return added.lines.length > 0;
  }

  /** Everything in the log, oldest first. Treat it as read-only. */
  all(): readonly z.output<S>[] {
    return this.entries;
  }

  /** Appends durably: resolves once the records are on disk. */
  append(records: readonly z.output<S>[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const lines = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    this.entries.push(...records);
    return new Promise<void>((resolve, reject) => {
      this.pending ??= { lines: '', count: 0, settle: [] };
      this.pending.lines += lines;
      this.pending.count += records.length;
      this.pending.settle.push({ resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending) {
      const batch = this.pending;
      this.pending = null;
      try {
        await this.rotateIfFull();
        if (this.partialTail) {
          batch.lines = `\n${batch.lines}`;
          this.partialTail = false;
        }
        const handle = await fs.open(this.file, 'a', PRIVATE_FILE_MODE);
        try {
          await handle.write(batch.lines);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        this.lineCountInFile += batch.count;
        this.readOffset += Buffer.byteLength(batch.lines);
        batch.settle.forEach((s) => s.resolve());
      } catch (error) {
        batch.settle.forEach((s) => s.reject(error));
      }
    }
    this.flushing = null;
  }

  private async rotateIfFull(): Promise<void> {
    if (this.lineCountInFile < this.maxEntries) return;
    await fs.rename(this.file, `${this.file}.1`).catch(() => undefined);
    this.lineCountInFile = 0;
    this.readOffset = 0;
    const keep = this.maxEntries * 2;
    if (this.entries.length > keep) this.entries = this.entries.slice(-keep);
  }

  private parseLines(lines: string[]): z.output<S>[] {
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

async function readLines(file: string, from: number): Promise<{ lines: string[]; end: number; size: number }> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return { lines: [], end: 0, size: 0 };
  try {
    const { size } = await handle.stat();
    if (size <= from) return { lines: [], end: size, size };
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    const text = buffer.toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0) return { lines: [], end: from, size };
    // Only whole lines: a partial last line is still being written (or was cut by a crash).
    const lines = text.slice(0, lastNewline).split('\n').filter((line) => line !== '');
    return { lines, end: from + Buffer.byteLength(text.slice(0, lastNewline + 1)), size };
  } finally {
    await handle.close();
  }
}
