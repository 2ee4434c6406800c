// What opening a store puts right: temporary files of writes that never finished (they may hold
// tokens and webhook secrets) are removed once their writer is gone, and a folder or file that
// others can read is made private again (0700 / 0600), with a warning that says so.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_FILE_MODE } from './atomicFile';
import { isProcessAlive } from './processes';

/** `.registry.json.<pid>.<8 hex>.tmp`, as writeFileAtomic names them. */
const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** A temporary file this old is an orphan whatever its pid says (pids are reused). */
const ORPHAN_AFTER_MS = 60 * 60 * 1000;
const PRIVATE_FOLDER_MODE = 0o700;

export async function removeOrphanTemps(folder: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (!match) continue;
    const file = path.join(folder, name);
    const stats = await fs.lstat(file).catch(() => null);
    if (!stats?.isFile()) continue;
    if (isProcessAlive(Number(match[2])) && now - stats.mtimeMs < ORPHAN_AFTER_MS) continue;
    await fs.rm(file, { force: true });
    removed.push(name);
  }
  return removed;
}

/** Makes the store folder and its files private again; returns one warning per change. */
export async function tightenModes(folder: string): Promise<string[]> {
  const warnings: string[] = [];
  const folderStats = await fs.stat(folder);
  if ((folderStats.mode & 0o077) !== 0) {
    await fs.chmod(folder, PRIVATE_FOLDER_MODE);
    warnings.push(`The store folder ${folder} was readable by others (mode ${octal(folderStats.mode)}); it is 0700 now.`);
  }
  for (const name of await fs.readdir(folder)) {
    const file = path.join(folder, name);
    const stats = await fs.lstat(file).catch(() => null);
    if (!stats?.isFile() || (stats.mode & 0o077) === 0) continue;
    await fs.chmod(file, PRIVATE_FILE_MODE);
    warnings.push(`${file} was readable by others (mode ${octal(stats.mode)}); it is 0600 now. It may hold webhook secrets or credentials: rotate them if others could read it.`);
  }
  return warnings;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;
