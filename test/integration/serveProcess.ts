// Starts `dist/server.js serve` on loopback as its own process, optionally under a lower descriptor
// limit (`ulimit -n`), and waits until it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as Protocol from '../../server/protocol';
import { SERVER_JS, startServer, tempStore, type ServerHandle } from '../support/serverProcess';
import { eventually, webhookSecret } from './receiverSupport';

export interface ServeHandle {
  process: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it does not exit within 5 s. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  listen?: string;
  args?: string[];
  /** Runs the server with at most this many open file descriptors. */
  maxDescriptors?: number;
}

export async function startServe(store: string, options: ServeOptions | string = {}): Promise<ServeHandle> {
  const { listen = '127.0.0.1:0', args = [], maxDescriptors } = typeof options === 'string' ? { listen: options } : options;
  const serverArgs = [SERVER_JS, 'serve', '--listen', listen, '--public-url', 'https://hooks.example.com', '--store', store, ...args];
  const child =
    maxDescriptors === undefined
      ? spawn(process.execPath, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${maxDescriptors} && exec "$0" "$@"`, process.execPath, ...serverArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  void exited.then(() => clearTimeout(killer));
  await Promise.race([
    eventually(() => /receives Bitbucket Cloud webhooks at http:\/\/127\.0\.0\.1:\d+/.test(stderr), 'serve to listen', 10_000),
    exited.then((code) => {
      throw new Error(`serve exited with ${code}: ${stderr}`);
    }),
  ]);
  const url = /receives Bitbucket Cloud webhooks at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] as string;
  return {
    process: child,
    url,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A new store with the default integration `acme-main` and a stack on cloudbeers/temp, through an editor's server. */
export async function seededStore(prefix: string): Promise<{ store: string; editor: ServerHandle; secret: string }> {
  const store = tempStore(prefix);
  const editor = await startServer({ store, args: ['--public-url', 'https://hooks.example.com'] });
  await editor.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: `ATATT-${prefix}token`, verify: false });
  await editor.request(Protocol.StacksCreate, { name: 'temp-main', spaceId: 'root', integrationId: 'acme-main', repository: 'cloudbeers/temp', branch: 'main', verify: false });
  return { store, editor, secret: await webhookSecret(editor, 'acme-main') };
}
