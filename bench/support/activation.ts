// Activation in a real editor (code-server and Chromium from the editor host): Stackhook's own code
// against the floor its client library sets, bench/floor/, an extension that only loads
// vscode-languageclient and starts a client over stdio. Both log "… activated in N ms of its own
// code (loading the bundle N ms, activate N ms)"; each runs alone in a fresh editor.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT, startEditor, type HostPaths } from '../../scripts/lib/editorHost';
import { freePort, run, waitFor } from '../../scripts/lib/processes';
import { findFiles } from '../../test/editor/support/artifacts';
import { openBrowser } from '../../test/editor/support/browser';

export interface Activation {
  ms: number;
  loadMs: number;
  activateMs: number;
}

const ACTIVATED = /activated in ([\d.]+) ms of its own code \(loading the bundle ([\d.]+) ms, activate ([\d.]+) ms\)/;

/** Bundles bench/floor/ the way esbuild.mjs bundles Stackhook for production, and packages it. */
export async function packageFloor(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackhook-floor-'));
  const floor = path.join(REPO_ROOT, 'bench', 'floor');
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning' } as const;
  mkdirSync(path.join(dir, 'dist'));
  await esbuild.build({
    ...common,
    entryPoints: [path.join(floor, 'extension.ts')],
    outfile: path.join(dir, 'dist', 'extension.js'),
    external: ['vscode'],
    banner: { js: 'globalThis.__floorLoadStart = performance.now();' },
  });
  await esbuild.build({ ...common, entryPoints: [path.join(floor, 'server.ts')], outfile: path.join(dir, 'dist', 'server.js') });
  copyFileSync(path.join(floor, 'package.json'), path.join(dir, 'package.json'));
  const vsix = path.join(dir, 'stackhook-floor.vsix');
  await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix], {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    logFile: path.join(dir, 'package.log'),
    timeoutMs: 120_000,
  });
  return vsix;
}

/** Starts an editor with only `vsix` installed, opens the workbench and reads the extension's activation line. */
export async function activationIn(paths: HostPaths, vsix: string, extensionId: string, settings: Record<string, unknown> = {}): Promise<Activation> {
  const editor = await startEditor(paths, { vsix: [vsix], settings });
  try {
    const browser = await openBrowser(`http://127.0.0.1:${editor.port}`);
    try {
      const page = await browser.context.newPage();
      await page.goto(editor.url, { timeout: 120_000 });
      const logsOf = new RegExp(`[\\\\/]exthost\\d+[\\\\/]${extensionId.replace(/\./g, '\\.')}[\\\\/]`);
      return await waitFor(
        async () => {
          for (const file of findFiles(path.join(editor.userDataDir, 'logs'), logsOf)) {
            const match = ACTIVATED.exec(readFileSync(file, 'utf8'));
            if (match) return { ms: Number(match[1]), loadMs: Number(match[2]), activateMs: Number(match[3]) };
          }
          return undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, onTimeout: () => new Error(`${extensionId} logged no activation time within 120 s`) },
      );
    } finally {
      await browser.close();
    }
  } finally {
    await editor.stop();
  }
}

/** Settings that keep Stackhook's server to itself: its own store, a free receiver port, no Bitbucket. */
export async function isolatedStackhookSettings(): Promise<Record<string, unknown>> {
  const port = await freePort();
  return {
    'stackhook.storePath': mkdtempSync(path.join(os.tmpdir(), 'stackhook-bench-editor-store-')),
    'stackhook.listen': `127.0.0.1:${port}`,
    'stackhook.publicUrl': `http://127.0.0.1:${port}`,
    'stackhook.bitbucketApiUrl': 'http://127.0.0.1:9',
  };
}

/** Stackhook's own code and the client library's, in bytes, in one production bundle. */
export interface Composition {
  ownBytes: number;
  libraryBytes: number;
}

/**
 * The production bundles' bytes split by where they come from (esbuild's metafiles, which
 * `esbuild.mjs --production` writes): the client library is vscode-languageclient with every package
 * it depends on (from package-lock.json); Stackhook's own code is the rest. `extension` is what
 * activation loads (dist/extension.js), `protocol` what the first request loads (dist/protocol.js: the
 * protocol's schemas and zod); an editor that runs Stackhook locally loads both.
 */
export function bundleComposition(): { extension: Composition; protocol: Composition } {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
  const library = new Set<string>();
  const walk = (name: string) => {
    if (library.has(name)) return;
    library.add(name);
    for (const dependency of Object.keys(lock.packages[`node_modules/${name}`]?.dependencies ?? {})) walk(dependency);
  };
  walk('vscode-languageclient');
  const of = (bundle: string): Composition => {
    const meta = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist', `${bundle}.meta.json`), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const output = meta.outputs[`dist/${bundle}.js`];
    if (!output) throw new Error(`dist/${bundle}.meta.json has no dist/${bundle}.js: run node esbuild.mjs --production`);
    let ownBytes = 0;
    let libraryBytes = 0;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const packageName = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (packageName && library.has(packageName)) libraryBytes += bytesInOutput;
      else ownBytes += bytesInOutput;
    }
    return { ownBytes, libraryBytes };
  };
  return { extension: of('extension'), protocol: of('protocol') };
}
