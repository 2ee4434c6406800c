// Each run's log in its own file (`<store>/run-logs/<run id>.log`), masked before it is written and
// capped, so a chatty command cannot fill the disk and no secret reaches the file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { redact } from '../log';
import { PRIVATE_FILE_MODE, ensurePrivateFolder } from '../store/atomicFile';

export const DEFAULT_LOG_CAP = 1024 * 1024;
const SAFE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/** Masks a credential's secret in `text` (one shorter than 6 characters would mangle ordinary text). */
export function maskCredential(text: string, secret: string): string {
  return secret.length >= 6 ? text.split(secret).join('••••••') : text;
}

export class RunLogFiles {
  private readonly sizes = new Map<string, number>();

  constructor(
    readonly folder: string,
    readonly cap: number = DEFAULT_LOG_CAP,
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
    if (size === undefined) size = await fs.stat(file).then((s) => s.size, () => 0);
    if (size >= this.cap) return;
    let masked = redact(text);
    for (const secret of extraSecrets) masked = maskCredential(masked, secret);
    let bytes = Buffer.from(masked);
    if (size + bytes.length > this.cap) {
      bytes = Buffer.concat([bytes.subarray(0, this.cap - size), Buffer.from(`\n[log cut at ${this.cap} bytes]\n`)]);
    }
    await ensurePrivateFolder(this.folder);
    await fs.appendFile(file, bytes, { mode: PRIVATE_FILE_MODE });
    this.sizes.set(runId, size + bytes.length);
  }

  /** What the log holds from `offset`, in whole lines unless `all` (then up to its end). */
  async read(runId: string, offset: number, all: boolean): Promise<{ text: string; nextOffset: number }> {
    const handle = await fs.open(this.fileOf(runId), 'r').catch(() => null);
    if (!handle) return { text: '', nextOffset: offset };
    try {
      const { size } = await handle.stat();
      if (size <= offset) return { text: '', nextOffset: Math.min(offset, size) };
      const length = Math.min(size - offset, 256 * 1024);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      let end = bytesRead;
      if (!all || bytesRead < size - offset) {
        const newline = buffer.lastIndexOf(0x0a, bytesRead - 1);
        end = newline < 0 ? 0 : newline + 1;
      }
      return { text: buffer.subarray(0, end).toString('utf8'), nextOffset: offset + end };
    } finally {
      await handle.close();
    }
  }

  async sizeOf(runId: string): Promise<{ size: number }> {
    return { size: await fs.stat(this.fileOf(runId)).then((s) => s.size, () => 0) };
  }

  /** The last `lines` lines (for a pull request comment). */
  async tail(runId: string, lines: number): Promise<string> {
    const text = await fs.readFile(this.fileOf(runId), 'utf8').catch(() => '');
    return text.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1).slice(-lines).join('\n');
  }

  async whole(runId: string): Promise<string> {
    return fs.readFile(this.fileOf(runId), 'utf8').catch(() => '');
  }
}
