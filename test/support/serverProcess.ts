// Starts the built companion server (`dist/server.js --stdio`) as a child process and talks to it
// the way the extension does: JSON-RPC with LSP framing, initialize first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import type { ChangeTopic, ErrorData, RequestDefinition } from '../../server/protocol';
import * as Protocol from '../../server/protocol';

export const SERVER_JS = path.resolve(__dirname, '../../dist/server.js');

export interface ServerHandle {
  readonly store: string;
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  readonly stderr: () => string;
  readonly changes: ChangeTopic[][];
  request<P extends z.ZodType, R extends z.ZodType>(definition: RequestDefinition<P, R>, params?: z.input<P>): Promise<z.output<R>>;
  /** Sends anything at all as params, for bad-input tests. */
  raw(method: string, params: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export function tempStore(prefix = 'stackhook-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServer(options: { store?: string; user?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ServerHandle> {
  const store = options.store ?? tempStore();
  // Servers execute the runs they queue: one given no fake Bitbucket talks to a closed loopback port, never to bitbucket.org.
  const api = options.args?.includes('--bitbucket-api') ? [] : ['--bitbucket-api', 'http://127.0.0.1:9/2.0'];
  const args = [SERVER_JS, '--stdio', '--store', store, '--user', options.user ?? 'ana', '--secrets', 'file', ...api, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const changes: ChangeTopic[][] = [];
  connection.onNotification(Protocol.Changed.method, (params: { topics: ChangeTopic[] }) => {
    changes.push(params.topics);
  });
  connection.onNotification('window/logMessage', (params: { message: string }) => {
    stderr += `${params.message}\n`;
  });
  connection.listen();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } } }),
    exited.then(() => {
      throw new Error(`server exited before initialize: ${stderr}`);
    }),
  ]);
  await connection.sendNotification('initialized', {});
  return {
    store,
    process: child,
    connection,
    stderr: () => stderr,
    changes,
    request: async (definition, params) => definition.result.parse(await connection.sendRequest(definition.method, params ?? {})),
    raw: (method, params) => connection.sendRequest(method, params),
    async stop() {
      if (child.exitCode === null) {
        await connection.sendRequest('shutdown').catch(() => undefined);
        await connection.sendNotification('exit').catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      connection.dispose();
    },
  };
}

/** Awaits a request expected to fail and returns its error data and message. */
export async function rejection(promise: Promise<unknown>): Promise<{ kind: ErrorData['kind']; message: string; data: ErrorData }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ResponseError) {
      const data = error.data as ErrorData;
      return { kind: data.kind, message: error.message, data };
    }
    throw error;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
