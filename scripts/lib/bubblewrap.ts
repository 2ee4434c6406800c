// bubblewrap (`bwrap`) for the local runner's sandbox: Debian's `bubblewrap` package, installed by
// setup when missing and it runs as root, as for PostgreSQL and Chromium. The tests of run isolation
// need it; a team server refuses --local-runner without it.
import * as os from 'node:os';
import * as path from 'node:path';
import { findProgram, RUN_PATH } from '../../server/runs/sandbox';
import { log, step } from './log';
import { run } from './processes';

const TAG = 'sandbox';

export const bubblewrapPath = (): string | null => findProgram('bwrap', `${process.env.PATH ?? ''}:${RUN_PATH}`);

export async function installBubblewrap(): Promise<string> {
  const existing = bubblewrapPath();
  if (existing) {
    log(TAG, `bubblewrap is installed (${existing})`);
    return existing;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Local runs execute in a bubblewrap sandbox, and its tests need it; installing it needs root.\n' +
        'Run: sudo apt-get update && sudo apt-get install -y bubblewrap\nthen run this command again.',
    );
  }
  const logFile = path.join(os.tmpdir(), 'stackhook-bubblewrap-apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(TAG, 'apt-get update', () => run('apt-get', ['update'], { cwd: '/', env, logFile, timeoutMs: 5 * 60_000 }));
  await step(TAG, 'apt-get install bubblewrap', () => run('apt-get', ['install', '-y', '--no-install-recommends', 'bubblewrap'], { cwd: '/', env, logFile, timeoutMs: 10 * 60_000 }));
  const installed = bubblewrapPath();
  if (!installed) throw new Error(`apt-get installed bubblewrap, but no bwrap is on the PATH (log: ${logFile}).`);
  return installed;
}
