// R16 past the reach of the deliveries log. The log keeps two generations of (by default) 10,000
// deliveries, far more than arrive between an attempt and Bitbucket's retries minutes later on any
// ordinary host, but a flood can rotate a delivery out of it within seconds. So every delivery the
// file store records also leaves its key here (`<store>/accepted-keys`, a line of hash, time and
// verdict each), kept a week, as PostgreSQL keeps `accepted_deliveries`.
//
// This file decides nothing between processes: the deliveries log does (a delivery's first line is
// its record, deliveriesLog.ts). It is written after the log's fsync and is not synced itself, for
// the log holds the same deliveries durably for as long as a retry can come; so it costs one small
// write per turn of the event loop, not a file or an fsync per delivery. Its reads and writes are
// synchronous: a few hundred bytes to the page cache, cheaper than a trip through the thread pool.
//
// Two generations: once the oldest key of the current file is a week old, the file becomes
// `accepted-keys.1` (the previous `.1`, all older than that, goes), so keys are kept one to two weeks.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { DeliveryVerdict } from '../../protocol';
import { statOrNull } from './appendLog';
import { PRIVATE_FILE_MODE } from '../atomicFile';
import { DELIVERY_KEY_RETENTION_MS } from '../storedDelivery';
import type { Accepted } from '../storeEngine';

export const ACCEPTED_KEYS_FILE = 'accepted-keys';
/** Where servers before this file kept one file per accepted delivery; their names are the same keys. */
export const LEGACY_ACCEPTED_FOLDER = 'accepted';
/** Another process's keys are read this often at most; its recent deliveries are in the log anyway. */
const REFRESH_EVERY_MS = 1_000;
const ROTATION_CHECK_EVERY_MS = 60 * 60 * 1000;
const KEY_LINE = /^([0-9a-f]{40}) (\d{1,15}) ([a-z-]{1,32})$/;

/** A delivery's key here: a hash of its integration and X-Request-UUID (the names of the older files). */
export type AcceptedKey = string & { readonly acceptedKey: unique symbol };

export function acceptedKey(integrationId: string, requestUuid: string): AcceptedKey {
  return createHash('sha256').update(`${integrationId}\u0000${requestUuid}`).digest('hex').slice(0, 40) as AcceptedKey;
}

interface Remembered {
  at: number;
  verdict: DeliveryVerdict;
}

export class AcceptedKeys {
  private readonly file: string;
  private keys = new Map<string, Remembered>();
  private loaded = false;
  /** The current file as far as it was read: its inode and the bytes read. */
  private read = { ino: -1, offset: 0 };
  private pending = '';
  private lastRefresh = 0;
  private lastRotationCheck = 0;

  constructor(
    private readonly store: string,
    private readonly warn: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(store, ACCEPTED_KEYS_FILE);
  }

  /** When and how the delivery was taken, by any process on this store, if within the window. */
  accepted(key: AcceptedKey): Accepted | null {
    this.load();
    this.refresh();
    const found = this.keys.get(key);
    return found ? { at: new Date(found.at), verdict: found.verdict } : null;
  }

  /** Remembers a recorded delivery; written together with the others of this turn of the event loop. */
  add(key: AcceptedKey, at: Date, verdict: DeliveryVerdict): void {
    this.load();
    if (!this.keys.has(key)) this.keys.set(key, { at: at.getTime(), verdict });
    if (this.pending === '') setImmediate(() => this.flush());
    this.pending += `${key} ${at.getTime()} ${verdict}\n`;
  }

  /** Writes what was added and not yet written (shutdown, tests). */
  flush(): void {
    const lines = this.pending;
    this.pending = '';
    if (lines === '') return;
    try {
      this.rotateIfOld();
      this.append(lines);
    } catch (error) {
      // The deliveries log still holds these deliveries; only a retry after they left it would be missed.
      this.warn(`Stackhook could not note accepted deliveries in ${this.file}: ${(error as Error).message}`);
    }
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      this.importLegacyFolder();
      this.reload();
    } catch (error) {
      this.warn(`Stackhook could not read ${this.file}: ${(error as Error).message}; retries are checked against the deliveries log only.`);
    }
  }

  /** Both generations, from the top: at start, and when another process rotated the file. */
  private reload(): void {
    const keys = new Map<string, Remembered>();
    readKeys(`${this.file}.1`, 0, keys);
    this.read = readKeys(this.file, 0, keys);
    this.keys = keys;
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.lastRefresh < REFRESH_EVERY_MS) return;
    this.lastRefresh = now;
    const stats = statOrNull(this.file);
    if (!stats || (stats.ino === this.read.ino && stats.size === this.read.offset)) return;
    try {
      if (stats.ino !== this.read.ino || stats.size < this.read.offset) this.reload();
      else this.read = readKeys(this.file, this.read.offset, this.keys);
    } catch (error) {
      this.warn(`Stackhook could not read ${this.file}: ${(error as Error).message}`);
    }
  }

  private append(lines: string): void {
    const fd = openSync(this.file, 'a+', PRIVATE_FILE_MODE);
    try {
      const before = fstatSync(fd);
      // A line cut short by a crash is left alone; these start on a line of their own.
      const bytes = Buffer.from(endsMidLine(fd, before, this.read) ? `\n${lines}` : lines, 'utf8');
      for (let written = 0; written < bytes.length; ) {
        const count = writeSync(fd, bytes, written, bytes.length - written);
        if (count <= 0) throw new Error('nothing could be written (is the disk full?)');
        written += count;
      }
      const after = fstatSync(fd);
      // Nobody else wrote in between: this process has read the file up to its own lines' end.
      const readUpToHere = before.ino === this.read.ino && before.size === this.read.offset;
      const firstInFile = this.read.ino === -1 && before.size === 0;
      if ((readUpToHere || firstInFile) && after.size === before.size + bytes.length) this.read = { ino: after.ino, offset: after.size };
    } finally {
      closeSync(fd);
    }
  }

  private rotateIfOld(): void {
    const now = this.now();
    if (now - this.lastRotationCheck < ROTATION_CHECK_EVERY_MS) return;
    this.lastRotationCheck = now;
    const oldest = oldestIn(this.file);
    if (oldest === null || now - oldest < DELIVERY_KEY_RETENTION_MS) return;
    renameSync(this.file, `${this.file}.1`);
    // The generation that just went was older than the file now in `.1`.
    for (const [key, remembered] of this.keys) if (remembered.at < oldest) this.keys.delete(key);
    this.read = { ino: -1, offset: 0 };
  }

  /** Keys of a store written by a server that kept a file per delivery: moved here, and the folder removed. */
  private importLegacyFolder(): void {
    const folder = path.join(this.store, LEGACY_ACCEPTED_FOLDER);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    const at = this.now();
    // The old files' verdicts are in their records, which are in the log for as long as a retry can come.
    const lines = names.filter((name) => /^[0-9a-f]{40}$/.test(name)).map((name) => `${name} ${at} queued\n`);
    if (lines.length > 0) this.append(lines.join(''));
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Reads the whole lines of `file` from `from` into `keys` (the first time per key kept); says how far it read. */
function readKeys(file: string, from: number, keys: Map<string, Remembered>): { ino: number; offset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { ino: -1, offset: 0 };
  }
  try {
    const { ino, size } = fstatSync(fd);
    if (size <= from) return { ino, offset: size };
    const bytes = Buffer.alloc(size - from);
    let got = 0;
    while (got < bytes.length) {
      const count = readSync(fd, bytes, got, bytes.length - got, from + got);
      if (count === 0) break;
      got += count;
    }
    const end = bytes.lastIndexOf(0x0a, got - 1) + 1;
    for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
      const match = KEY_LINE.exec(line);
      const verdict = DeliveryVerdict.safeParse(match?.[3]);
      if (!match || !verdict.success) continue;
      const key = match[1] as string;
      if (!keys.has(key)) keys.set(key, { at: Number(match[2]), verdict: verdict.data });
    }
    return { ino, offset: from + end };
  } finally {
    closeSync(fd);
  }
}

/** Whether the file's last byte is not a line end; known without a read when this process read up to there. */
function endsMidLine(fd: number, file: { ino: number; size: number }, read: { ino: number; offset: number }): boolean {
  if (file.size === 0 || (file.ino === read.ino && file.size === read.offset)) return false;
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, file.size - 1) === 1 && last[0] !== 0x0a;
}

/** The time on the first line of `file`, or null when it has none. */
function oldestIn(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(128);
    const count = readSync(fd, head, 0, head.length, 0);
    const match = KEY_LINE.exec(head.subarray(0, count).toString('utf8').split('\n')[0] ?? '');
    return match ? Number(match[2]) : null;
  } finally {
    closeSync(fd);
  }
}
