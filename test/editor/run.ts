// `npm run test:editor`: packages Stackhook, installs the editor host when it is missing, then
// runs the stories in test/editor/stories against the packaged .vsix in code-server.
// Extra arguments go to mocha (e.g. `npm run test:editor -- --grep "Story 3"`).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { installHost, REPO_ROOT } from '../../scripts/lib/editorHost';
import { log } from '../../scripts/lib/log';
import { killListedGroups } from '../../scripts/lib/processes';
import { packageVsix } from '../../scripts/lib/packageVsix';
import { RESULTS_DIR } from './support/artifacts';

/** The whole run stops after this long, whatever hangs. */
const WATCHDOG_MS = 30 * 60_000;

async function main(): Promise<number> {
  const vsix = await packageVsix();
  await installHost();
  log('test:editor', `running the editor stories against ${path.relative(REPO_ROOT, vsix)}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const daemons = path.join(RESULTS_DIR, 'daemons.pid');
  rmSync(daemons, { force: true });
  const mocha = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--config', 'test/editor/.mocharc.cjs', ...process.argv.slice(2)], {
    cwd: REPO_ROOT,
    env: { ...process.env, STACKHOOK_VSIX: vsix, STACKHOOK_DAEMON_GROUPS: daemons },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Everything mocha prints goes to the terminal and to a file beside the screenshots.
  const transcript = createWriteStream(path.join(RESULTS_DIR, 'mocha.log'));
  mocha.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    transcript.write(chunk);
  });
  mocha.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    transcript.write(chunk);
  });
  const killMocha = (signal: NodeJS.Signals) => {
    try {
      if (mocha.pid !== undefined) process.kill(-mocha.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const watchdog = setTimeout(() => {
    log('test:editor', `the editor stories ran longer than ${WATCHDOG_MS / 60_000} minutes: stopping them`);
    killMocha('SIGKILL');
  }, WATCHDOG_MS);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => killMocha(signal));
  const code = await new Promise<number>((resolve) => mocha.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
  clearTimeout(watchdog);
  await new Promise<void>((resolve) => transcript.end(() => resolve()));
  // Anything the stories left behind: Chromium in mocha's group, code-server in its own.
  killMocha('SIGKILL');
  killListedGroups(daemons);
  log('test:editor', `${code === 0 ? 'passed' : 'FAILED'}; screenshots, logs and the transcript (mocha.log) in ${path.relative(REPO_ROOT, RESULTS_DIR)}/`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
