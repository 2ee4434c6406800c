// Benchmark 3, editor start-up and size: the production bundles and the .vsix against their size
// goals (the own code of the extension's bundles, dist/extension.js and dist/protocol.js, without the
// client library, by esbuild's metafiles), the companion server's time to ready (spawn →
// `initialize` answered) against a baseline that costs only Node itself (spawn `node -e` with a stdio
// echo that answers the first message), and the extension's activation in a real editor against its
// floor in the same run: bench/floor/, which only loads vscode-languageclient and starts a client
// over stdio.
//   node --import tsx bench/editorStartup.ts      (STACKHOOK_EDITOR_HOST_DIR=… to use an installed editor host)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { installHost } from '../scripts/lib/editorHost';
import { SERVER_JS, tempStore } from '../test/support/serverProcess';
import { activationIn, bundleComposition, isolatedStackhookSettings, packageFloor, type Activation } from './support/activation';
import { atMost, type BenchmarkResult, type Goal } from './support/result';
import { median } from './support/stats';

const ROOT = path.resolve(__dirname, '..');
const RUNS = 9;
/**
 * Editors started for each of Stackhook and the floor, alternating; each costs ~10–20 s on 2 cores.
 * Seven, not three: on a shared machine one busy moment moved a median of three by half.
 */
const EDITOR_RUNS = 7;
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {} } });
const FRAME = `Content-Length: ${Buffer.byteLength(INITIALIZE)}\r\n\r\n${INITIALIZE}`;
/** Node doing nothing but answering the first bytes it reads: the floor for any stdio server. */
const ECHO = "process.stdin.once('data', (d) => { process.stdout.write(d); process.exit(0); });";

/** Spawns `args` and resolves with the ms until the child writes its first answer to the initialize frame. */
function timeToAnswer(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: no answer within 10 s`));
    }, 10_000);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!/"id":1/.test(text)) return;
      const elapsed = performance.now() - started;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(elapsed);
    });
    child.once('error', reject);
    child.stdin.write(FRAME);
  });
}

function size(file: string): number | null {
  return existsSync(file) ? statSync(file).size : null;
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 }) };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

export async function editorStartup(): Promise<BenchmarkResult> {
  const notes: string[] = [];
  // `npm run package` makes the production build and the .vsix from it; without it, the build alone.
  const packaged = run('npm', ['run', '--silent', 'package']);
  const vsixDir = path.join(ROOT, 'out');
  const vsixName = packaged.ok ? readdirSync(vsixDir).filter((file) => file.endsWith('.vsix')).sort().at(-1) : undefined;
  const vsix = vsixName ? path.join(vsixDir, vsixName) : null;
  if (!packaged.ok) {
    notes.push(`npm run package failed or is absent, so there is no .vsix to measure: ${packaged.output.trim().split('\n').at(-1) ?? ''}`);
    const built = run(process.execPath, ['esbuild.mjs', '--production']);
    if (!built.ok) throw new Error(`production build failed: ${built.output}`);
  }
  const extensionBytes = size(path.join(ROOT, 'dist/extension.js'));
  const protocolBytes = size(path.join(ROOT, 'dist/protocol.js'));
  const serverBytes = size(path.join(ROOT, 'dist/server.js'));
  const teamTransportBytes = size(path.join(ROOT, 'dist/teamTransport.js'));
  const onDemandBytes = size(path.join(ROOT, 'dist/onDemand.js'));
  const vsixBytes = vsix ? size(vsix) : null;

  const { ready, floor } = await measureServerReady();
  const composition = bundleComposition();
  // Both are loaded by every editor that runs Stackhook: the protocol only later than activation.
  const ownBytes = composition.extension.ownBytes + composition.protocol.ownBytes;
  const activation = vsix ? await measureActivation(vsix, notes) : null;
  // Put the development build (with source maps) back for whoever runs tests next.
  run(process.execPath, ['esbuild.mjs']);

  const kb = (bytes: number | null) => (bytes === null ? 'absent' : `${(bytes / 1024).toFixed(0)} KB`);
  const activationRatio = activation ? activation.stackhook.ms / activation.floor.ms : null;
  const shownActivation = (figure: Activation) => `${figure.ms.toFixed(0)} ms (bundle ${figure.loadMs.toFixed(0)}, activate ${figure.activateMs.toFixed(0)})`;
  const rows = [
    ['measure', 'Stackhook', 'baseline', 'ratio'],
    ['dist/extension.js (production; loaded at activation)', kb(extensionBytes), '', ''],
    ['  of which Stackhook\'s own code / the client library', kb(composition.extension.ownBytes), kb(composition.extension.libraryBytes), ''],
    ['dist/protocol.js (the protocol\'s schemas and zod; loaded on the first request, not at activation)', kb(protocolBytes), '', ''],
    ['  of which Stackhook\'s own code / the client library', kb(composition.protocol.ownBytes), kb(composition.protocol.libraryBytes), ''],
    ['dist/teamTransport.js (ws; loaded on the first team server connection, not at activation)', kb(teamTransportBytes), '', ''],
    ['dist/onDemand.js (Stackhook\'s own code: plans, the runner\'s steps, variables; loaded on first use, not at activation)', kb(onDemandBytes), '', ''],
    ['dist/server.js (production)', kb(serverBytes), '', ''],
    [vsixName ?? '.vsix', kb(vsixBytes), '', ''],
    [`server ready: spawn → initialize answered (median of ${RUNS})`, `${ready.toFixed(0)} ms`, `${floor.toFixed(0)} ms (node -e echo)`, (ready / floor).toFixed(2)],
    [
      `extension activation, own code (real editor, median of ${EDITOR_RUNS})`,
      activation ? shownActivation(activation.stackhook) : 'not measured',
      activation ? `${shownActivation(activation.floor)} (floor: vscode-languageclient alone)` : '',
      activationRatio === null ? '' : activationRatio.toFixed(2),
    ],
  ];
  const goals: Goal[] = [
    atMost('dist/extension.js + dist/protocol.js, own code (without the client library)', ownBytes / 1024, 200, 'KB', 0,
      'the bundles\' own code is Stackhook\'s extension, the protocol it shares with the server, and zod, which parses every message on the way in'),
    atMost('dist/server.js', serverBytes === null ? null : serverBytes / 1024, 1024, 'KB', 0, 'the bundle grew past 1 MB'),
    atMost('.vsix', vsixBytes === null ? null : vsixBytes / 1024, 1536, 'KB', 0, vsixBytes === null ? 'no .vsix: npm run package did not produce one' : 'the package holds more than the allowlist should'),
    atMost('server ready (spawn → initialize answered)', ready, 250, 'ms', 0,
      `Node itself needs ${floor.toFixed(0)} ms to spawn and answer here; the rest is loading and evaluating the bundle and opening the store`),
    atMost('extension activation ÷ its floor (vscode-languageclient alone)', activationRatio, 1.2, '', 2,
      activation
        ? `the floor loads ${activation.floor.loadMs.toFixed(0)} ms of bundle and activates in ${activation.floor.activateMs.toFixed(0)} ms; Stackhook loads ${activation.stackhook.loadMs.toFixed(0)} ms (its own code on top of the client library; the protocol's schemas and zod wait for the first request) and activates in ${activation.stackhook.activateMs.toFixed(0)} ms (the client, three views, the commands, the status bar and the panel serializer)`
        : 'not measured: the editor host (code-server and Chromium) or the .vsix was not available; see the notes'),
  ];
  notes.push(
    `Sizes are of the production build (minified, no source maps) that npm run package makes; the .vsix is ${vsix ? path.relative(ROOT, vsix) : 'absent'}.`,
    'Own code counts both bundles an editor that runs Stackhook loads: dist/extension.js at activation and dist/protocol.js (the protocol\'s schemas and zod, without zod\'s JSON Schema output) on the first request.',
    `Server ready: ${RUNS} alternating spawns of the production dist/server.js --stdio on an existing store and of \`node -e\` answering its first read; median.`,
    `Activation: ${EDITOR_RUNS} alternating fresh editors (code-server with Chromium) holding only Stackhook's .vsix or only the floor's; each extension times the load of its bundle (from its first statement) plus its activate(), and the medians are compared.`,
  );
  return { title: 'Editor start-up and size', rows, goals, notes };
}

/** Time to ready, on the production server.js; baseline and server alternate so noise hits both. */
async function measureServerReady(): Promise<{ ready: number; floor: number }> {
  const store = tempStore('stackhook-bench-startup-');
  const baseline: number[] = [];
  const server: number[] = [];
  await timeToAnswer(['-e', ECHO]); // warm the disk cache for Node itself
  await timeToAnswer([SERVER_JS, '--stdio', '--store', store, '--user', 'ana', '--secrets', 'file']);
  for (let i = 0; i < RUNS; i++) {
    baseline.push(await timeToAnswer(['-e', ECHO]));
    server.push(await timeToAnswer([SERVER_JS, '--stdio', '--store', store, '--user', 'ana', '--secrets', 'file']));
  }
  return { ready: median(server), floor: median(baseline) };
}

if (require.main === module) {
  void editorStartup().then((result) => console.log(JSON.stringify(result, null, 2)));
}

/** Stackhook's and the floor's activation, each the median of EDITOR_RUNS alternating editors. */
async function measureActivation(vsix: string, notes: string[]): Promise<{ stackhook: Activation; floor: Activation } | null> {
  try {
    const paths = await installHost();
    const floorVsix = await packageFloor();
    const stackhook: Activation[] = [];
    const floor: Activation[] = [];
    for (let i = 0; i < EDITOR_RUNS; i++) {
      stackhook.push(await activationIn(paths, vsix, 'stackhook.stackhook', await isolatedStackhookSettings()));
      floor.push(await activationIn(paths, floorVsix, 'stackhook.stackhook-floor'));
    }
    const middle = (figures: Activation[]): Activation => ({
      ms: median(figures.map((figure) => figure.ms)),
      loadMs: median(figures.map((figure) => figure.loadMs)),
      activateMs: median(figures.map((figure) => figure.activateMs)),
    });
    notes.push(`Activation runs (ms, own code): Stackhook ${stackhook.map((figure) => figure.ms.toFixed(0)).join(', ')}; floor ${floor.map((figure) => figure.ms.toFixed(0)).join(', ')}.`);
    return { stackhook: middle(stackhook), floor: middle(floor) };
  } catch (error) {
    notes.push(`Activation was not measured: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
