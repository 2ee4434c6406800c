// Builds the production bundle and packages it as a .vsix with vsce. The editor tests install
// this file, so what they test is what a user installs.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './editorHost';
import { capture, run } from './processes';
import { log, step } from './log';

const TAG = 'package';
const OUT_DIR = path.join(REPO_ROOT, 'out');

/** What must be inside, and what must never be (sources, maps, tests, dependencies). */
const REQUIRED = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/teamTransport.js', 'extension/dist/protocol.js', 'extension/LICENSE.txt', 'extension/changelog.md', 'extension/readme.md', 'extension/media/icon.png'];
const FORBIDDEN = [/\.map$/, /\.ts$/, /^extension\/(server|extension|test|scripts|node_modules|bench)\//];

export async function packageVsix(): Promise<string> {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(OUT_DIR, `${manifest.name}-${manifest.version}.vsix`);
  const logFile = path.join(OUT_DIR, 'package.log');
  mkdirSync(OUT_DIR, { recursive: true });
  rmSync(logFile, { force: true });
  rmSync(vsix, { force: true });
  const bin = (name: string) => path.join(REPO_ROOT, 'node_modules', '.bin', name);
  await step(TAG, 'production build (esbuild --production)', () =>
    run(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs'), '--production'], { cwd: REPO_ROOT, logFile, timeoutMs: 120_000 }),
  );
  // --no-dependencies: everything the extension runs is bundled into dist/.
  // --allow-missing-repository: the manifest names no public repository, and vsce would otherwise ask.
  // --no-rewrite-relative-links: README images stay relative instead of failing the build for want of a repository URL.
  await step(TAG, 'vsce package', () =>
    run(bin('vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true' },
      logFile,
      timeoutMs: 120_000,
    }),
  );
  checkContents(vsix);
  log(TAG, `packaged ${path.relative(REPO_ROOT, vsix)}`);
  return vsix;
}

/** Lists the .vsix (a zip) and fails when a required file is missing or a forbidden one slipped in. */
function checkContents(vsix: string): void {
  const listing = capture('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix]);
  if (listing === null) {
    log(TAG, 'python3 is missing: skipped the check of the package contents');
    return;
  }
  const files = listing.trim().split('\n');
  const missing = REQUIRED.filter((file) => !files.includes(file));
  const stray = files.filter((file) => FORBIDDEN.some((pattern) => pattern.test(file)));
  if (missing.length > 0 || stray.length > 0) {
    throw new Error(
      `The package ${vsix} is wrong:` +
        (missing.length > 0 ? `\n  missing: ${missing.join(', ')}` : '') +
        (stray.length > 0 ? `\n  should not contain: ${stray.join(', ')} (see .vscodeignore)` : ''),
    );
  }
  log(TAG, `${files.length} files in the package: ${files.filter((file) => file.startsWith('extension/')).map((file) => file.slice('extension/'.length)).join(', ')}`);
}
