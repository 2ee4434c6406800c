// A team server for tests: `dist/server.js serve` on a loopback port with a secret key, its users and
// tokens made with the same CLI an administrator uses, and editors that connect over WebSocket /rpc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createMessageConnection, type MessageConnection } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import type { z } from 'zod';
import type { ChangeTopic, RequestDefinition } from '../../server/protocol';
import * as Protocol from '../../server/protocol';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../server/protocol/webSocketMessages';
import { SERVER_JS, tempStore } from './serverProcess';

const run = promisify(execFile);

export interface TeamServer {
  readonly store: string;
  readonly url: string;
  readonly process: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** `dist/server.js ARGS --store STORE`, resolving with its stdout. */
  admin(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `dist/server.js ARGS` on a store folder or a database. The server refuses a database URL with a
 * password in it (anyone on the host reads command lines): the password goes in PGPASSWORD here, and
 * in a file for serve (startTeamServer), so both ways are used.
 */
export async function admin(store: string, ...args: string[]): Promise<string> {
  return (await adminRun(store, ...args)).stdout;
}

/** The admin command as a process of its own, as on the host: its result (stdout) and its notes (stderr). */
function adminRun(store: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (!store.startsWith('postgres')) return run(process.execPath, [SERVER_JS, ...args, '--store', store]);
  const { url, password } = withoutPassword(store);
  const env = { ...process.env, ...(password === null ? {} : { PGPASSWORD: password }) };
  return run(process.execPath, [SERVER_JS, ...args, '--database-url', url], { env });
}

/** `tokens create NAME`: the token (printed) and its id (from the note beside it). */
export async function createToken(store: string, name: string): Promise<{ token: string; id: string }> {
  const { stdout, stderr } = await adminRun(store, 'tokens', 'create', name);
  const id = /^Token (\S+) for /m.exec(stderr)?.[1];
  if (!id) throw new Error(`tokens create said no token id: ${stderr}`);
  return { token: stdout.trim(), id };
}

/** The close code and reason of a socket, and when it closed; rejects if it stays open `withinMs`. */
export async function closeOf(socket: WebSocket, withinMs: number): Promise<{ code: number; reason: string; at: number }> {
  if (socket.readyState === WebSocket.CLOSED) throw new Error('The socket closed before it was watched.');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`The socket was still open after ${withinMs} ms.`)), withinMs);
  });
  try {
    const [code, reason] = (await Promise.race([once(socket, 'close'), late])) as [number, Buffer];
    return { code, reason: reason.toString('utf8'), at: Date.now() };
  } finally {
    clearTimeout(timer);
  }
}

/** `postgres://user:pw@host/db` → the URL without the password, and the password. */
export function withoutPassword(databaseUrl: string): { url: string; password: string | null } {
  const parsed = new URL(databaseUrl);
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  parsed.password = '';
  return { url: parsed.toString(), password };
}

/** The server's flags for a database: its URL, and the password in a file of the replica's folder (0600). */
export function databaseFlags(databaseUrl: string, folder: string): string[] {
  const { url, password } = withoutPassword(databaseUrl);
  if (password === null) return ['--database-url', url];
  const file = path.join(folder, 'database.password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return ['--database-url', url, '--database-password-file', file];
}

export function writeSecretKey(folder: string): string {
  const file = path.join(folder, 'stackhook.key');
  writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return file;
}

/** `databaseUrl`: the replica keeps its store in PostgreSQL; `store` is then only its own folder. */
export async function startTeamServer(options: { store?: string; databaseUrl?: string; keyFile?: string | null; port?: number; args?: string[]; env?: NodeJS.ProcessEnv; lifetimeMs?: number } = {}): Promise<TeamServer> {
  const store = options.store ?? tempStore('stackhook-team-');
  const keyFile = options.keyFile === undefined ? writeSecretKey(store) : options.keyFile;
  const args = [SERVER_JS, 'serve', '--listen', `127.0.0.1:${options.port ?? 0}`, '--public-url', 'https://hooks.example.com', '--store', store];
  if (keyFile) args.push('--secret-key-file', keyFile);
  if (options.databaseUrl) args.push(...databaseFlags(options.databaseUrl, store));
  const child = spawn(process.execPath, [...args, ...(options.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  // A server a test forgot to stop does not outlive the run; a suite that keeps its servers longer says so.
  const killer = setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs ?? 120_000);
  void exited.then(() => clearTimeout(killer));
  const listening = /receives Bitbucket Cloud webhooks at (https?:\/\/127\.0\.0\.1:\d+)/;
  await Promise.race([
    new Promise<void>((resolve) => {
      const check = () => (listening.test(stderr) ? resolve() : setTimeout(check, 20));
      check();
    }),
    exited.then((code) => {
      throw new Error(`serve exited with ${code}: ${stderr}`);
    }),
  ]);
  const url = listening.exec(stderr)?.[1] as string;
  return {
    store,
    url,
    process: child,
    stderr: () => stderr,
    exited,
    admin: (...adminArgs) => admin(options.databaseUrl ?? store, ...adminArgs),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Adds a user (and makes them root admin when asked) and returns a fresh token of theirs. */
export async function userWithToken(server: { admin(...args: string[]): Promise<string> }, name: string, isAdmin = false): Promise<string> {
  await server.admin('users', 'add', name, ...(isAdmin ? ['--admin'] : []));
  return (await server.admin('tokens', 'create', name)).trim();
}

export interface TeamEditor {
  readonly socket: WebSocket;
  readonly connection: MessageConnection;
  readonly changes: ChangeTopic[][];
  request<P extends z.ZodType, R extends z.ZodType>(definition: RequestDefinition<P, R>, params?: z.input<P>): Promise<z.output<R>>;
  raw(method: string, params: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/rpc`;
}

/** Opens the WebSocket; rejects with the HTTP status when the server refuses the upgrade. */
export function openSocket(url: string, token: string | null, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ...options, headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...options.headers } });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => reject(Object.assign(new Error(`HTTP ${response.statusCode}: ${body}`), { status: response.statusCode, body, headers: response.headers })));
    });
    socket.once('error', reject);
  });
}

export async function connectEditor(serverUrl: string, token: string): Promise<TeamEditor> {
  const socket = await openSocket(wsUrl(serverUrl), token);
  const connection = createMessageConnection(new WebSocketMessageReader(socket), new WebSocketMessageWriter(socket));
  const changes: ChangeTopic[][] = [];
  connection.onNotification(Protocol.Changed.method, (params: { topics: ChangeTopic[] }) => void changes.push(params.topics));
  connection.listen();
  await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});
  return {
    socket,
    connection,
    changes,
    request: async (definition, params) => definition.result.parse(await connection.sendRequest(definition.method, params ?? {})),
    raw: (method, params) => connection.sendRequest(method, params),
    async close() {
      connection.dispose();
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}

export interface RedeemAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** `POST /rpc/redeem` as any client may send it: the Authorization header as given, and an optional body. */
export async function postRedeem(serverUrl: string, authorization: string | null, init: { method?: string; body?: string } = {}): Promise<RedeemAnswer> {
  const response = await fetch(`${serverUrl}${Protocol.REDEEM_PATH}`, {
    method: init.method ?? 'POST',
    headers: authorization === null ? {} : { Authorization: authorization },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: response.status, body: await response.json().catch(() => null), headers: response.headers };
}
