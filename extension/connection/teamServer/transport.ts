// The language client's transport to a team server: a WebSocket to `/rpc` with the bearer token on
// the upgrade, carrying one JSON-RPC message per text message. Built as a file of its own
// (dist/teamTransport.js, with ws) and loaded on the first connection (connect.ts).
import type { MessageReader, MessageWriter } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../../server/protocol/webSocketMessages';
import type { TeamAddress } from './address';

/** The server answered the upgrade with an HTTP status instead of switching protocols. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
    this.name = 'UpgradeRefused';
  }
}

export interface TeamTransport {
  readonly reader: MessageReader;
  readonly writer: MessageWriter;
  readonly socket: WebSocket;
}

const CONNECT_TIMEOUT_MS = 15_000;

/** How the connection closed: its code and reason (a token the server ended says so, TOKEN_ENDED_CLOSE_CODE). */
export type OnClose = (code: number, reason: string) => void;

export function openWebSocket(address: TeamAddress, token: string, onClose: OnClose = () => undefined): Promise<TeamTransport> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(address.rpcUrl, { headers: { Authorization: `Bearer ${token}` }, handshakeTimeout: CONNECT_TIMEOUT_MS, perMessageDeflate: false });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      // Errors after the upgrade reach the reader, which the language client listens to.
      socket.on('error', () => undefined);
      // Before the reader's: the language client hears of the close through the reader and asks at
      // once whether to reconnect, so why it closed must be known by then.
      socket.once('close', (code, reason) => onClose(code, reason.toString('utf8')));
      resolve({ reader: new WebSocketMessageReader(socket), writer: new WebSocketMessageWriter(socket), socket });
    });
    socket.once('unexpected-response', (_request, response) => {
      // The answer is the reason; the socket's own error for the aborted upgrade says less.
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk.slice(0, 2_000)));
      response.on('end', () => {
        let detail = body;
        try {
          detail = String((JSON.parse(body) as { error?: unknown }).error ?? body);
        } catch {
          // Not our JSON (a proxy's page): its text is the detail.
        }
        reject(new UpgradeRefused(response.statusCode ?? 0, detail));
        socket.terminate();
      });
    });
    socket.once('error', (error) => reject(new Error(`${address.host} could not be reached: ${error.message}`)));
  });
}
