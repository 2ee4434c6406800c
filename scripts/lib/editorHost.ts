// The real-editor host: code-server (VS Code 1.139 in the browser) on Node 24, and Debian's
// Chromium to look at it. Installed into an ignored cache folder so a second run takes seconds.
//
// code-server needs Node 24 and native modules that npm 11 does not build on its own (install
// scripts a project has not allowed are skipped), so each skipped script is run here by hand.
// Native modules are built with node-gyp against the machine's Node headers (npm's `nodedir`);
// they are N-API modules, so they load in Node 24 as well.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { spawnSync } from 'node:child_process';
import { parseCodeServerVersion } from './codeServerVersion';
import { log, step } from './log';
import { capture, freePort, run, startDaemon, stopGroup, tail, waitFor } from './processes';
import type { ChildProcess } from 'node:child_process';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;
export const CHROMIUM = '/usr/bin/chromium';
/** Debian packages the host needs: Kerberos headers for a native module of VS Code, and the browser. */
const APT_PACKAGES = ['libkrb5-dev', 'chromium'];

const TAG = 'editor-host';

export interface HostPaths {
  dir: string;
  tools: string;
  node: string;
  entry: string;
  installLog: string;
  /** code-server's own state (what it would otherwise keep under ~) when no run folder is given. */
  state: string;
}

export function hostPaths(): HostPaths {
  const dir = path.resolve(process.env.STACKHOOK_EDITOR_HOST_DIR ?? path.join(REPO_ROOT, '.cache', 'editor-host'));
  const tools = path.join(dir, 'tools');
  return {
    dir,
    tools,
    node: path.join(tools, 'node_modules', '.bin', 'node'),
    entry: path.join(tools, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    installLog: path.join(dir, 'install.log'),
    state: path.join(dir, 'state'),
  };
}

/**
 * code-server keeps its config, data and caches in the XDG folders (falling back to ~/.config,
 * ~/.local/share, ~/.cache). Every process of the host gets them inside `root`, so nothing it does
 * reads or writes the user's home, and a machine where it ran before behaves like a new one.
 */
export function stateEnv(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, folder] of [
    ['XDG_CONFIG_HOME', 'config'],
    ['XDG_DATA_HOME', 'data'],
    ['XDG_CACHE_HOME', 'cache'],
    ['XDG_STATE_HOME', 'state'],
  ] as const) {
    const dir = path.join(root, folder);
    mkdirSync(dir, { recursive: true });
    env[name] = dir;
  }
  return env;
}

/** The environment code-server and its install steps run in: Node 24 first on PATH. */
export function hostEnv(paths: HostPaths, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(paths.node)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

interface Marker {
  codeServer: string;
  node: string;
}

function readMarker(paths: HostPaths): Marker | null {
  try {
    return JSON.parse(readFileSync(path.join(paths.dir, 'installed.json'), 'utf8')) as Marker;
  } catch {
    return null;
  }
}

function missingAptPackages(): string[] {
  return APT_PACKAGES.filter((name) => !(capture('dpkg-query', ['-W', '-f=${Status}', name]) ?? '').includes('install ok installed'));
}

/** Installs the host when it is missing or incomplete; a complete host returns at once. */
export async function installHost(): Promise<HostPaths> {
  const paths = hostPaths();
  const missing = missingAptPackages();
  const marker = readMarker(paths);
  if (missing.length === 0 && marker?.codeServer === CODE_SERVER_VERSION && existsSync(paths.entry) && existsSync(paths.node)) {
    log(TAG, `code-server ${marker.codeServer} on Node ${marker.node} is installed in ${paths.dir}`);
    return paths;
  }
  mkdirSync(paths.dir, { recursive: true });
  // Two scripts may install at once (tests and `npm start`): the second waits for the first.
  const release = await lockfile.lock(paths.dir, { retries: { retries: 900, minTimeout: 1_000, maxTimeout: 1_000 }, stale: 60_000 });
  try {
    const begin = Date.now();
    // Debian's packages install while npm downloads; only the native build needs them (Kerberos headers).
    const apt = missing.length > 0 ? installAptPackages(missingAptPackages()) : Promise.resolve();
    apt.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    if (readMarker(paths)?.codeServer !== CODE_SERVER_VERSION || !existsSync(paths.entry)) await installTools(paths, apt);
    await apt;
    log(TAG, `host ready in ${((Date.now() - begin) / 1000).toFixed(0)}s (install log: ${paths.installLog})`);
  } finally {
    await release();
  }
  return paths;
}

async function installAptPackages(packages: string[]): Promise<void> {
  if (packages.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The editor host needs the Debian packages ${packages.join(', ')}, and installing them needs root.\n` +
        `Run: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\nthen run this command again.`,
    );
  }
  const paths = hostPaths();
  const logFile = path.join(paths.dir, 'apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(TAG, 'apt-get update', () => run('apt-get', ['update'], { cwd: '/', env, logFile, timeoutMs: 5 * 60_000 }));
  await step(TAG, `apt-get install ${packages.join(' ')}`, () =>
    run('apt-get', ['install', '-y', ...packages], { cwd: '/', env, logFile, timeoutMs: 10 * 60_000 }),
  );
}

/** Node 24 and code-server into the tools folder; `nativeBuildNeeds` must finish before native modules build. */
async function installTools(paths: HostPaths, nativeBuildNeeds: Promise<void>): Promise<void> {
  rmSync(path.join(paths.dir, 'installed.json'), { force: true });
  mkdirSync(paths.tools, { recursive: true });
  const manifest = path.join(paths.tools, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'stackhook-editor-host', private: true }, null, 2)}\n`);
  const npmFlags = ['--no-audit', '--no-fund', '--loglevel=warn'];
  const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, minutes = 10) =>
    run('npm', args, { cwd, env, logFile: paths.installLog, timeoutMs: minutes * 60_000 });

  const nodeVersion = () => (existsSync(paths.node) ? capture(paths.node, ['--version'])?.trim() ?? null : null);
  if (!nodeVersion()?.startsWith(`v${NODE_MAJOR}.`)) {
    await step(TAG, `npm install node@${NODE_MAJOR}`, () => npm(['install', `node@${NODE_MAJOR}`, ...npmFlags], paths.tools));
  }
  const node = nodeVersion();
  if (!node?.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`Node ${NODE_MAJOR} did not install into ${paths.tools} (got ${node ?? 'nothing'}).\n${tail(paths.installLog)}`);
  log(TAG, `Node ${node} at ${paths.node}`);

  // From here on Node 24 is first on PATH, so npm and every install script run on it.
  const npmVersion = capture('npm', ['--version'])?.trim() ?? '11';
  // JOBS=max lets node-gyp compile VS Code's native modules on every core.
  const env = hostEnv(paths, { ...stateEnv(paths.state), JOBS: 'max', npm_config_user_agent: `npm/${npmVersion} node/${node} linux x64` });
  const codeServer = path.join(paths.tools, 'node_modules', 'code-server');
  await step(TAG, `npm install code-server@${CODE_SERVER_VERSION}`, () =>
    npm(['install', '-E', `code-server@${CODE_SERVER_VERSION}`, ...npmFlags], paths.tools, env, 15),
  );
  await step(TAG, 'argon2 install script', () => npm(['run', 'install'], path.join(paths.tools, 'node_modules', 'argon2'), env));
  await step(TAG, 'code-server postinstall (VS Code dependencies)', () =>
    run('sh', ['./postinstall.sh'], { cwd: codeServer, env, logFile: paths.installLog, timeoutMs: 15 * 60_000 }),
  );
  const vscode = path.join(codeServer, 'lib', 'vscode');
  await step(TAG, 'allow VS Code native modules to build', () => npm(['install-scripts', 'approve', '--all'], vscode, env));
  await nativeBuildNeeds;
  await step(TAG, 'build VS Code native modules (npm rebuild)', () => npm(['rebuild'], vscode, env, 20));

  const version = checkCodeServerRuns(paths);
  writeFileSync(path.join(paths.dir, 'installed.json'), `${JSON.stringify({ codeServer: version, node } satisfies Marker, null, 2)}\n`);
}

/** The installed package's version, once code-server itself has answered `--version` with it. */
function checkCodeServerRuns(paths: HostPaths): string {
  const manifest = path.join(paths.tools, 'node_modules', 'code-server', 'package.json');
  let installed: string | null = null;
  try {
    installed = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version as string | null;
  } catch {
    installed = null;
  }
  const result = spawnSync(paths.node, [paths.entry, '--version'], {
    env: hostEnv(paths, stateEnv(paths.state)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const printed = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  const answered = result.status === 0 ? parseCodeServerVersion(String(result.stdout ?? '')) : null;
  if (installed !== CODE_SERVER_VERSION || answered !== CODE_SERVER_VERSION) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} does not run after install: its package.json says ${installed ?? 'nothing'}, ` +
        `and \`code-server --version\` ${result.error ? `could not start (${result.error.message})` : `exited with ${result.status ?? result.signal} and printed:`}\n` +
        `${printed || '(nothing)'}\n${tail(paths.installLog)}`,
    );
  }
  return answered;
}

/** Settings that keep the editor quiet and repeatable: no welcome page, no chat, no update checks. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'window.restoreWindows': 'none',
};

export interface EditorOptions {
  /** The folder the editor opens; a fresh empty one when omitted. */
  folder?: string;
  /** Extensions to install before start. */
  vsix?: string[];
  /** User settings, on top of QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  port?: number;
  /** Where code-server's output goes; inside the temp folder when omitted. */
  logFile?: string;
  /** Environment for code-server (and so for the extension host and Stackhook's server). */
  env?: NodeJS.ProcessEnv;
  /**
   * Keep user data (settings, editor state) and extensions in this folder across runs instead of
   * fresh temp folders. The settings file is rewritten from `settings` on every start.
   */
  stateDir?: string;
}

export interface Editor {
  /** The page to open: the workbench with the folder. */
  url: string;
  port: number;
  folder: string;
  root: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  process: ChildProcess;
  /** Stops code-server and everything it started, and removes the temp folders. */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
}

/** Starts code-server on a free loopback port with fresh user-data and extension folders. */
export async function startEditor(paths: HostPaths, options: EditorOptions = {}): Promise<Editor> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stackhook-editor-'));
  const userDataDir = path.join(options.stateDir ?? root, 'user-data');
  const extensionsDir = path.join(options.stateDir ?? root, 'extensions');
  const folder = options.folder ?? path.join(root, 'workspace');
  const logFile = options.logFile ?? path.join(root, 'code-server.log');
  for (const dir of [path.join(userDataDir, 'User'), extensionsDir, folder, path.dirname(logFile)]) mkdirSync(dir, { recursive: true });
  // The same settings as user settings and as the remote machine's settings: code-server runs the
  // extension host as a remote one, where settings of `machine` scope are read from Machine/.
  const settingsText = `${JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2)}\n`;
  for (const scope of ['User', 'Machine']) {
    mkdirSync(path.join(userDataDir, scope), { recursive: true });
    writeFileSync(path.join(userDataDir, scope, 'settings.json'), settingsText);
  }
  // An empty config file of our own, so code-server does not write one into the home folder.
  const config = path.join(root, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  // The extension gallery is pointed at a closed loopback port: the editor needs no marketplace,
  // and this machine (like CI) reaches no outside host.
  const env = hostEnv(paths, { ...stateEnv(path.join(options.stateDir ?? root, 'xdg')), EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }), ...options.env });
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of options.vsix ?? []) {
    await step(TAG, `install ${path.basename(vsix)} into code-server`, () =>
      run(paths.node, [paths.entry, ...common, '--install-extension', vsix, '--force'], { cwd: root, env, logFile, timeoutMs: 120_000 }),
    );
  }

  const port = options.port ?? (await freePort());
  const child = startDaemon(
    paths.node,
    [
      paths.entry,
      ...common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      folder,
    ],
    { cwd: root, env, logFile },
  );
  const base = `http://127.0.0.1:${port}`;
  const stop = async (stopOptions: { keepFiles?: boolean } = {}) => {
    await stopGroup(child);
    if (!stopOptions.keepFiles) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited (code ${child.exitCode}) before it was ready.\n${tail(logFile)}`);
        const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
        return response?.ok ? true : undefined;
      },
      { timeoutMs: 60_000, onTimeout: () => new Error(`code-server did not answer on ${base} within 60s.\n${tail(logFile)}`) },
    );
  } catch (error) {
    await stop({ keepFiles: true });
    throw error;
  }
  log(TAG, `code-server ${CODE_SERVER_VERSION} is up at ${base} (log: ${logFile})`);
  return { url: `${base}/?folder=${encodeURIComponent(folder)}`, port, folder, root, userDataDir, extensionsDir, logFile, process: child, stop };
}
