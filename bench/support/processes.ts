// Child processes the benchmarks measure against: Stackhook's `serve` receiver on a prepared store,
// a bare Node http server that answers 200, and the file store's durable floor (bare http appending
// each body through the store's own group-committed log). Each is killed when its run ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { SERVER_JS } from '../../test/support/serverProcess';

export interface Listening {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves with the first match of `pattern` in the child's `stream`, or fails when it exits or `timeoutMs` passes. */
function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const source = child[stream];
    if (!source) return reject(new Error(`no ${stream} to read`));
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms: ${text}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) done(null, match);
    };
    const onExit = (code: number | null) => done(new Error(`exited with ${code} before ${pattern}: ${text}`));
    function done(error: Error | null, match?: RegExpExecArray) {
      clearTimeout(timer);
      source?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match as RegExpExecArray);
    }
    source.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Reads and drains whatever a child writes, so a full pipe never slows it down. */
function drain(child: ChildProcess): void {
  child.stdout?.resume();
  child.stderr?.resume();
}

const BARE_SERVER = `
const http = require('node:http');
http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"ok":true}');
  });
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
`;

/** The baseline: Node's http module reading the body and answering 200, in a process of its own like the receiver. */
export async function startBareServer(): Promise<Listening> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  const match = await waitFor(child, 'stdout', /port (\d+)/, 10_000);
  drain(child);
  return { url: `http://127.0.0.1:${match[1]}`, process: child, stop: () => stopChild(child) };
}

/**
 * The floor for a durable accept on the file store: bare http that appends each body to a log in
 * `folder` with AppendLog's group commit (one write and one fsync for the appends waiting together)
 * and answers 202 once it is on disk. Loaded through tsx, which costs start-up time only.
 */
export async function startAppendFloor(folder: string): Promise<Listening> {
  const script = path.join(__dirname, 'appendFloorServer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, folder], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  const match = await waitFor(child, 'stdout', /port (\d+)/, 15_000);
  drain(child);
  return { url: `http://127.0.0.1:${match[1]}`, process: child, stop: () => stopChild(child) };
}

/** `dist/server.js serve` on `store`: the headless receiver as a host Bitbucket reaches would run it. */
export async function startServe(store: string, publicUrl: string, bitbucketApi: string, env: NodeJS.ProcessEnv = process.env): Promise<Listening> {
  const child = spawn(process.execPath, [SERVER_JS, 'serve', '--listen', '127.0.0.1:0', '--public-url', publicUrl, '--store', store, '--bitbucket-api', bitbucketApi], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const match = await waitFor(child, 'stderr', /receives Bitbucket Cloud webhooks at (http:\/\/127\.0\.0\.1:\d+)/, 15_000);
  drain(child);
  return { url: match[1] as string, process: child, stop: () => stopChild(child) };
}
