// `GET /rpc` on a team server: the Stackhook protocol over an authenticated WebSocket. The bearer
// token is checked before the upgrade (401 and nothing more otherwise); each socket then gets its own
// JSON-RPC connection whose user is the token's owner, never anything the client says.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createConnection, createProtocolConnection, ProposedFeatures, type Connection, type Message } from 'vscode-languageserver';
import { WebSocketServer, type WebSocket } from 'ws';
import { describeError } from '../errors';
import type { ServerContext } from '../context';
import type { Logger } from '../log';
import { ErrorCodes, type ErrorData } from '../protocol';
import { admit as lifecycle } from '../rpc/lifecycle';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../protocol/webSocketMessages';
import { INVITATION_PREFIX, bearerToken } from './tokens';
import type { UserDirectory } from './userDirectory';

export const RPC_PATH = '/rpc';

export interface RpcLimits {
  /** Largest WebSocket message accepted; a larger one closes the socket (1009). */
  readonly maxMessageBytes: number;
  /** Requests a connection may have unanswered at once; more are refused at once, not queued. */
  readonly maxInFlight: number;
  readonly maxConnectionsPerUser: number;
  /** A client that has not answered a ping by the next one is dropped. */
  readonly pingIntervalMs: number;
  /** A client that reads so slowly that this much waits to be sent to it is dropped. */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  maxMessageBytes: 1024 * 1024,
  maxInFlight: 32,
  maxConnectionsPerUser: 8,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 8 * 1024 * 1024,
};

/** What a socket's connection answers: the same requests as stdio, for the given context. */
export type AnswerProtocol = (connection: Connection, context: ServerContext) => void;

interface Peer {
  readonly socket: WebSocket;
  readonly user: string;
  readonly connection: Connection;
  alive: boolean;
}

const UNAUTHORIZED = 'A valid Stackhook token is needed: send Authorization: Bearer <token>.';

export class TeamRpcEndpoint {
  private readonly sockets: WebSocketServer;
  private readonly peers = new Set<Peer>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly base: ServerContext,
    private readonly users: UserDirectory,
    private readonly answer: AnswerProtocol,
    private readonly log: Logger,
    private readonly limits: RpcLimits = DEFAULT_RPC_LIMITS,
  ) {
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => this.checkPeers(), limits.pingIntervalMs);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.peers.size;
  }

  /** Sends a notification to every connected editor (a change any of them may need to show). */
  broadcast(method: string, params: object): void {
    for (const peer of this.peers) void peer.connection.sendNotification(method, params).catch(() => undefined);
  }

  /** The HTTP server's `upgrade` listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    void this.upgrade(request, socket, head).catch((error: unknown) => {
      this.log.error(`A WebSocket upgrade failed: ${describeError(error)}`);
      refuse(socket, 503, 'Stackhook could not check the token just now; try again.');
    });
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const peer of this.peers) peer.socket.close(1001, 'The server is stopping.');
    this.sockets.close();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== RPC_PATH) return refuse(socket, 404, `Nothing here. The Stackhook protocol is at ${RPC_PATH}.`);
    const token = bearerToken(request.headers.authorization);
    const verdict = await this.judge(token);
    if ('refused' in verdict) {
      // The reason goes to the host's log only: a client learns nothing about which tokens exist.
      this.log.info(`A connection to ${RPC_PATH} from ${request.socket.remoteAddress ?? 'an unknown address'} was refused: ${verdict.refused} token.`);
      return refuse(socket, 401, UNAUTHORIZED, { 'WWW-Authenticate': 'Bearer realm="stackhook"' });
    }
    const open = [...this.peers].filter((peer) => peer.user === verdict.user).length;
    if (open >= this.limits.maxConnectionsPerUser) {
      return refuse(socket, 429, `${verdict.user} already has ${open} connections open, the most this server allows. Close an editor window and try again.`);
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.accept(webSocket, verdict.user));
  }

  private async judge(token: string | null) {
    if (!token) return { refused: 'missing' } as const;
    // An invitation opens nothing: it is only exchanged for a personal token at REDEEM_PATH.
    if (token.startsWith(INVITATION_PREFIX)) return { refused: 'an invitation, not a personal' } as const;
    return this.users.authenticate(token, this.base.now());
  }

  private accept(socket: WebSocket, user: string): void {
    const inFlight = new Set<string | number>();
    let writer: WebSocketMessageWriter;
    let phase: Parameters<typeof lifecycle>[0] = 'waiting';
    const answerError = (id: string | number, error: { code: number; message: string; data: ErrorData }) =>
      void writer.write({ jsonrpc: '2.0', id, error } as Message).catch(() => undefined);
    const admit = (message: Message): boolean => {
      // The same lifecycle gate as stdio: nothing runs before initialize or after shutdown.
      const verdict = lifecycle(phase, message);
      phase = verdict.next;
      const { id, method } = message as { id?: string | number | null; method?: unknown };
      const isRequest = typeof method === 'string' && id !== undefined && id !== null;
      if (!verdict.pass) {
        if ('error' in verdict && verdict.error && isRequest) answerError(id, verdict.error);
        return false;
      }
      if (!isRequest) return true;
      if (inFlight.size >= this.limits.maxInFlight) {
        answerError(id, {
          code: ErrorCodes.Unavailable,
          message: `This connection already has ${this.limits.maxInFlight} requests waiting for an answer; send more once some are answered.`,
          data: { kind: 'Unavailable' },
        });
        return false;
      }
      inFlight.add(id);
      return true;
    };
    const reader = new WebSocketMessageReader(socket, admit);
    writer = new WebSocketMessageWriter(socket, (message) => {
      const { id, method } = message as { id?: string | number | null; method?: unknown };
      if (method === undefined && id !== undefined && id !== null) inFlight.delete(id);
      if (socket.bufferedAmount > this.limits.maxBufferedBytes) socket.terminate();
    });
    const peer: Peer = {
      socket,
      user,
      alive: true,
      connection: createConnection(
        // jsonrpc's own complaints go to the host's log, not back to the peer as window/logMessage.
        () => createProtocolConnection(reader, writer, this.rpcLogger(user)),
        // A network client's `exit` closes its own socket, and its processId is on another machine.
        { shutdownReceived: false, initialize: () => undefined, exit: () => socket.close(1000) },
        ProposedFeatures.all,
      ),
    };
    this.peers.add(peer);
    socket.on('pong', () => (peer.alive = true));
    socket.on('close', () => {
      this.peers.delete(peer);
      peer.connection.dispose();
    });
    this.answer(peer.connection, contextFor(this.base, user));
    peer.connection.listen();
    this.log.info(`${user} connected to ${RPC_PATH} (${this.peers.size} connection${this.peers.size === 1 ? '' : 's'} open).`);
  }

  private rpcLogger(user: string) {
    const line = (message: string) => this.log.debug(`/rpc (${user}): ${message}`);
    return { error: line, warn: line, info: line, log: line };
  }

  private checkPeers(): void {
    for (const peer of this.peers) {
      if (!peer.alive || peer.socket.bufferedAmount > this.limits.maxBufferedBytes) {
        this.log.info(`${peer.user}'s connection did not answer a ping in time (or reads too slowly) and was dropped.`);
        peer.socket.terminate();
        continue;
      }
      peer.alive = false;
      peer.socket.ping();
    }
  }
}

/** The server's context as one network user sees it: everything shared, but `user` is theirs. */
export function contextFor(base: ServerContext, user: string): ServerContext {
  return Object.create(base, { user: { value: user, enumerable: true } }) as ServerContext;
}

function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: message });
  const reason = { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ?? 'Error';
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
