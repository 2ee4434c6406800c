// An append-only JSON-lines log (runs, deliveries) that several processes may append to at once.
//
// What is in memory is only ever what was read back from the file, in file order: an append writes
// and fsyncs its lines, then reads everything new since the last read (its own lines and any other
// process's). Reads and writes of one process take turns, so nothing is listed twice or missed, and
// nothing is listed before it is on disk.
//
// Appends made while a write is in flight go out together (one write, one fsync). Past `maxEntries`
// lines or `maxBytes` bytes the file is rotated to `<file>.1` (one older generation kept), so it
// cannot fill a disk; files are read as streams of lines, never as one string.
//
// A log may list records uniquely by a key (`uniqueBy`): of the lines with one key, only the first
// in the file is listed, by every process alike, since each reads the same lines in the same order.
// Two processes that append one key at once both write it; the file decides which is the record.
import { fstatSync, promises as fs, statSync } from 'node:fs';
import type { z } from 'zod';
import { PRIVATE_FILE_MODE } from '../atomicFile';

/** Rotation by size: far more than 10,000 ordinary deliveries, far less than a string can hold. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

interface Batch {
  lines: string;
  records: unknown[];
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** The key under which a record is listed once (null: listed whatever its key), for `uniqueBy`. */
export type UniqueKey<T> = (record: T) => string | null;

/** What is listed: the records, and the first of each unique key among them. */
interface Listing<T> {
  entries: T[];
  firstByKey: Map<string, T>;
}

export class AppendLog<S extends z.ZodType> {
  private listing: Listing<z.output<S>> = { entries: [], firstByKey: new Map() };
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
    /** The file is rotated past this size too, whatever its line count: a log must stay readable. */
    readonly maxBytes: number = DEFAULT_MAX_BYTES,
    readonly uniqueBy: UniqueKey<z.output<S>> | null = null,
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
    return this.listing.entries;
  }

  /** The record listed under `key` (see `uniqueBy`), as far as this process has read the file. */
  firstOf(key: string): z.output<S> | undefined {
    return this.listing.firstByKey.get(key);
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

  /**
   * Appends `lines` completely and durably, or not at all: a short write (a full disk) or a failed
   * sync is cut back off the file and reported, so the caller can answer 503 and Bitbucket retries.
   */
  private async write(lines: string): Promise<void> {
    // 'a+': appends always go to the end, and the same handle reads back what landed.
    this.handle ??= await fs.open(this.file, 'a+', PRIVATE_FILE_MODE);
    const handle = this.handle;
    if (this.partialTail) await this.cutPartialTail(handle);
    const text = Buffer.from(this.partialTail ? `\n${lines}` : lines, 'utf8');
    // Synchronous, as in refresh(): the system call costs microseconds, a trip through the thread pool more.
    const start = fstatSync(handle.fd).size;
    let written = 0;
    try {
      // One write call in the common case: with O_APPEND, another process's lines land before or after.
      while (written < text.length) {
        const { bytesWritten } = await handle.write(text, written, text.length - written);
        if (bytesWritten <= 0) throw Object.assign(new Error(`${this.file}: nothing could be written (is the disk full?)`), { code: 'ENOSPC' });
        written += bytesWritten;
      }
      await handle.datasync();
    } catch (error) {
      await this.cutBack(handle, start, written);
      await this.closeHandle();
      throw error;
    }
    this.partialTail = false;
  }

  /** Removes what a failed write left, if nobody appended after it; otherwise the next append starts a fresh line. */
  private async cutBack(handle: fs.FileHandle, start: number, written: number): Promise<void> {
    if (written === 0) return;
    try {
      const { size } = await handle.stat();
      if (size === start + written) {
        await handle.truncate(start);
        await handle.datasync();
        return;
      }
    } catch {
      // Fall through: the tail is left, and marked.
    }
    this.partialTail = true;
  }

  /** A line cut short by a crash (bytes after the last whole line): removed before the next append. */
  private async cutPartialTail(handle: fs.FileHandle): Promise<void> {
    const { size } = await handle.stat();
    if (size <= this.readOffset) {
      this.partialTail = false;
      return;
    }
    const tail = Buffer.alloc(Math.min(size - this.readOffset, 16 * 1024 * 1024));
    const { bytesRead } = await handle.read(tail, 0, tail.length, this.readOffset);
    // Only a tail with no line end in it is ours to cut; whole lines after it belong to another writer.
    if (bytesRead === size - this.readOffset && !tail.subarray(0, bytesRead).includes(0x0a)) {
      await handle.truncate(this.readOffset);
      this.partialTail = false;
    }
  }

  private async loadNow(): Promise<void> {
    const listing: Listing<z.output<S>> = { entries: [], firstByKey: new Map() };
    const keep = (line: string) => this.parseInto(listing, line);
    await readLines(`${this.file}.1`, 0, keep);
    const current = await readLines(this.file, 0, keep);
    this.listing = listing;
    this.readOffset = current.end;
    this.linesInFile = current.count;
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
      for (const record of own.records) this.list(this.listing, record);
      this.readOffset = stats.size;
      this.linesInFile += own.records.length;
      return true;
    }
    const added = await readLines(this.file, this.readOffset, (line) => this.parseInto(this.listing, line));
    this.readOffset = added.end;
    this.linesInFile += added.count;
    return added.count > 0;
  }

  /** `linesInFile` is as of the last read (after this process's last write): close enough for a cap. */
  private async rotateIfFull(): Promise<void> {
    if (this.linesInFile < this.maxEntries && this.readOffset < this.maxBytes) return;
    await fs.rename(this.file, `${this.file}.1`).catch(() => undefined);
    await this.closeHandle();
    this.readOffset = 0;
    this.linesInFile = 0;
    this.partialTail = false;
    if (this.listing.entries.length > this.maxEntries * 2) {
      const listing: Listing<z.output<S>> = { entries: [], firstByKey: new Map() };
      for (const record of this.listing.entries.slice(-this.maxEntries * 2)) this.list(listing, record);
      this.listing = listing;
    }
  }

  private parseInto(listing: Listing<z.output<S>>, line: string): void {
    try {
      const result = this.schema.safeParse(JSON.parse(line));
      if (result.success) this.list(listing, result.data);
    } catch {
      // A line cut short by a crash mid-write: it was never acknowledged, so skipping it loses nothing.
    }
  }

  private list(listing: Listing<z.output<S>>, record: z.output<S>): void {
    const key = this.uniqueBy?.(record) ?? null;
    if (key !== null) {
      if (listing.firstByKey.has(key)) return;
      listing.firstByKey.set(key, record);
    }
    listing.entries.push(record);
  }
}

/** The file's size and inode, or null when it cannot be looked at (gone, mid-rotation). */
export function statOrNull(file: string): { size: number; ino: number } | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** Lines longer than this are no record Stackhook writes: they are skipped, not held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Streams the whole lines of `file` from byte `from` to `onLine`, a chunk at a time, so a large log
 * never becomes one string; a partial last line is left for a later read.
 */
async function readLines(file: string, from: number, onLine: (line: string) => void): Promise<{ count: number; end: number; size: number }> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return { count: 0, end: 0, size: 0 };
  try {
    const { size } = await handle.stat();
    if (size <= from) return { count: 0, end: size, size };
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - from));
    let carry: Buffer[] = [];
    let carried = 0;
    let skipping = false;
    let position = from;
    let end = from;
    let count = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break;
      let start = 0;
      for (let newline = chunk.indexOf(0x0a, 0); newline >= 0 && newline < bytesRead; newline = chunk.indexOf(0x0a, start)) {
        if (!skipping) {
          const piece = chunk.subarray(start, newline);
          const line = carried > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
          if (line !== '') onLine(line);
        }
        count += 1;
        carry = [];
        carried = 0;
        skipping = false;
        start = newline + 1;
        end = position + start;
      }
      if (start < bytesRead && !skipping) {
        carried += bytesRead - start;
        if (carried > MAX_LINE_BYTES) {
          skipping = true;
          carry = [];
          carried = 0;
        } else {
          carry.push(Buffer.from(chunk.subarray(start, bytesRead)));
        }
      }
      position += bytesRead;
    }
    return { count, end, size };
  } finally {
    await handle.close();
  }
}
