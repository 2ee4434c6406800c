// PostgreSQL for a team server's tests and benchmarks: Debian's `postgresql` package (15 or newer),
// installed by setup when missing. Tests start private clusters from its binaries; nothing runs as a
// service.
import { existsSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { log, step } from './log';
import { run } from './processes';

const TAG = 'postgres';
const DEBIAN_ROOT = '/usr/lib/postgresql';
export const MIN_POSTGRES_MAJOR = 15;

/** The newest installed PostgreSQL's bin folder (15 or newer), or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(DEBIAN_ROOT)) return null;
  const majors = readdirSync(DEBIAN_ROOT)
    .map(Number)
    .filter((major) => Number.isInteger(major) && major >= MIN_POSTGRES_MAJOR && existsSync(path.join(DEBIAN_ROOT, String(major), 'bin', 'initdb')))
    .sort((a, b) => b - a);
  return majors[0] === undefined ? null : path.join(DEBIAN_ROOT, String(majors[0]), 'bin');
}

export async function installPostgres(): Promise<string> {
  const existing = postgresBinDir();
  if (existing) {
    log(TAG, `PostgreSQL is installed (${existing})`);
    return existing;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The team server's tests need PostgreSQL ${MIN_POSTGRES_MAJOR} or newer, and installing it needs root.\n` +
        'Run: sudo apt-get update && sudo apt-get install -y postgresql\nthen run this command again.',
    );
  }
  const logFile = path.join(os.tmpdir(), 'stackhook-postgres-apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(TAG, 'apt-get update', () => run('apt-get', ['update'], { cwd: '/', env, logFile, timeoutMs: 5 * 60_000 }));
  await step(TAG, 'apt-get install postgresql', () => run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { cwd: '/', env, logFile, timeoutMs: 10 * 60_000 }));
  const installed = postgresBinDir();
  if (!installed) throw new Error(`apt-get installed postgresql, but no PostgreSQL ${MIN_POSTGRES_MAJOR}+ is in ${DEBIAN_ROOT} (log: ${logFile}).`);
  return installed;
}
