// `GET /rpc` on a team server: the Stackhook protocol over an authenticated WebSocket. The bearer
// token is checked before the upgrade (401 and nothing more otherwise); each socket then gets its own
// JSON-RPC connection whose user is the token's owner, never anything the client says. A connection
// lasts only as long as its token: when the token is revoked (by any process: the host's `tokens
// revoke` included) or expires, the socket is closed with TOKEN_ENDED_CLOSE_CODE and a reason the
// editor shows. Revocations are heard through the directory's watch (users.json, or NOTIFY) and, in
// case a hint is lost, by checking the open connections' tokens every `tokenRecheckMs`.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createConnection, createProtocolConnection, ProposedFeatures, type Connection, type Message } from 'vscode-languageserver';
import { WebSocketServer, type WebSocket } from 'ws';
import { describeError } from '../errors';
import type { ServerContext } from '../context';
import type { Logger } from '../log';
import { ErrorCodes, TOKEN_ENDED_CLOSE_CODE, TOKEN_ENDED_REASONS, type ErrorData } from '../protocol';
import { admit as lifecycle } from './lifecycle';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../protocol/webSocketMessages';
import { INVITATION_PREFIX, bearerToken } from '../team/tokens';
import type { TokenRefusal, UserDirectory } from '../team/userDirectory';

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
  /** How often the tokens of open connections are checked again, should a revocation's notice be lost. */
  readonly tokenRecheckMs: number;
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  maxMessageBytes: 1024 * 1024,
  maxInFlight: 32,
  maxConnectionsPerUser: 8,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  tokenRecheckMs: 3_000,
};

/** A peer that does not answer the close frame within this is cut off. */
const CLOSE_GRACE_MS = 2_000;
/** setTimeout's longest delay; a token that lasts longer is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a socket's connection answers: the same requests as stdio, for the given context. */
export type AnswerProtocol = (connection: Connection, context: ServerContext) => void;

interface Peer {
  readonly socket: WebSocket;
  readonly user: string;
  readonly tokenId: string;
  /** As the directory last said: a token's expiry may be changed while it is in use. */
  expiresAt: string;
  expiry: NodeJS.Timeout | undefined;
  /** Its token stopped authenticating: the socket is closing, and nothing more it sends is taken. */
  ended: boolean;
  readonly connection: Connection;
  alive: boolean;
}

const UNAUTHORIZED = 'A valid Stackhook token is needed: send Authorization: Bearer <token>.';

export class TeamRpcEndpoint {
  private readonly sockets: WebSocketServer;
  private readonly peers = new Set<Peer>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly tokenCheck: NodeJS.Timeout;
  private checking: Promise<void> | null = null;
  private checkAgain = false;
  /** Said once when checks start failing, and once when they work again, not every few seconds. */
  private checkFailing = false;

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
    this.tokenCheck = setInterval(() => void this.recheckTokens(), limits.tokenRecheckMs);
    this.tokenCheck.unref();
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
    clearInterval(this.tokenCheck);
    for (const peer of this.peers) {
      clearTimeout(peer.expiry);
      peer.socket.close(1001, 'The server is stopping.');
    }
    this.sockets.close();
  }

  /**
   * Asks the directory how the tokens of the open connections stand, and closes those whose token no
   * longer authenticates. Calls while a check runs are folded into one more check after it.
   */
  recheckTokens(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.checkTokensOnce();
      } while (this.checkAgain);
    })().finally(() => (this.checking = null));
    return this.checking;
  }

  private async checkTokensOnce(): Promise<void> {
    const open = [...this.peers].filter((peer) => !peer.ended);
    if (open.length === 0) return;
    let verdicts;
    try {
      verdicts = await this.users.checkTokens([...new Set(open.map((peer) => peer.tokenId))], this.base.now());
    } catch (error) {
      // Open connections stay while the store cannot be read; the next check tries again.
      if (!this.checkFailing) {
        this.log.warn(`The tokens of open ${RPC_PATH} connections could not be checked: ${describeError(error)}. Stackhook tries again every ${this.limits.tokenRecheckMs / 1000} s.`);
      }
      this.checkFailing = true;
      return;
    }
    if (this.checkFailing) this.log.info(`The tokens of open ${RPC_PATH} connections can be checked again.`);
    this.checkFailing = false;
    for (const peer of open) {
      const verdict = verdicts.get(peer.tokenId) ?? { refused: 'unknown' as const };
      if ('refused' in verdict) {
        this.endPeer(peer, verdict.refused);
      } else if (verdict.expiresAt !== peer.expiresAt) {
        peer.expiresAt = verdict.expiresAt;
        this.armExpiry(peer);
      }
    }
  }

  /** Closes a connection whose token stopped authenticating, with the reason the editor shows. */
  private endPeer(peer: Peer, why: TokenRefusal): void {
    if (peer.ended) return;
    peer.ended = true;
    clearTimeout(peer.expiry);
    const said = { revoked: 'was revoked', expired: 'expired', unknown: 'is no longer kept' }[why];
    this.log.info(`${peer.user}'s connection to ${RPC_PATH} was closed: its token (id ${peer.tokenId}) ${said}.`);
    peer.socket.close(TOKEN_ENDED_CLOSE_CODE, why === 'expired' ? TOKEN_ENDED_REASONS.expired : TOKEN_ENDED_REASONS.revoked);
    setTimeout(() => peer.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Closes the connection when its token expires. */
  private armExpiry(peer: Peer): void {
    clearTimeout(peer.expiry);
    const left = Date.parse(peer.expiresAt) - this.base.now().getTime();
    if (!(left > 0)) return this.endPeer(peer, 'expired');
    peer.expiry = setTimeout(() => this.armExpiry(peer), Math.min(left, MAX_TIMER_MS));
    peer.expiry.unref();
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
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.accept(webSocket, verdict));
  }

  private async judge(token: string | null) {
    if (!token) return { refused: 'missing' } as const;
    // An invitation opens nothing: it is only exchanged for a personal token at REDEEM_PATH.
    if (token.startsWith(INVITATION_PREFIX)) return { refused: 'an invitation, not a personal' } as const;
    return this.users.authenticate(token, this.base.now());
  }

  private accept(socket: WebSocket, token: { user: string; tokenId: string; expiresAt: string }): void {
    const { user } = token;
    const inFlight = new Set<string | number>();
    let writer: WebSocketMessageWriter;
    let phase: Parameters<typeof lifecycle>[0] = 'waiting';
    const answerError = (id: string | number, error: { code: number; message: string; data: ErrorData }) =>
      void writer.write({ jsonrpc: '2.0', id, error } as Message).catch(() => undefined);
    const admit = (message: Message): Message | undefined => {
      // Messages arrive only once this function has returned, so `peer` is set by then.
      if (peer.ended) return undefined;
      // The same lifecycle gate as stdio: nothing runs before initialize or after shutdown.
      const verdict = lifecycle(phase, message);
      phase = verdict.next;
      const { id, method } = message as { id?: string | number | null; method?: unknown };
      const isRequest = typeof method === 'string' && id !== undefined && id !== null;
      if (!verdict.pass) {
        if ('error' in verdict && verdict.error && isRequest) answerError(id, verdict.error);
        return undefined;
      }
      if (!isRequest) return verdict.message;
      if (inFlight.size >= this.limits.maxInFlight) {
        answerError(id, {
          code: ErrorCodes.Unavailable,
          message: `This connection already has ${this.limits.maxInFlight} requests waiting for an answer; send more once some are answered.`,
          data: { kind: 'Unavailable' },
        });
        return undefined;
      }
      inFlight.add(id);
      return verdict.message;
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
      tokenId: token.tokenId,
      expiresAt: token.expiresAt,
      expiry: undefined,
      ended: false,
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
    this.armExpiry(peer);
    socket.on('pong', () => (peer.alive = true));
    socket.on('close', () => {
      clearTimeout(peer.expiry);
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
