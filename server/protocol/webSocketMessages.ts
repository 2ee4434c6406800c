// The Stackhook protocol over a WebSocket: one JSON-RPC message per text message, no Content-Length
// framing (the convention of vscode-ws-jsonrpc). Both ends use these, over `ws` sockets; the shape
// below is the little of a socket they need, so this file imports no socket library.
import { AbstractMessageReader, AbstractMessageWriter, Disposable, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc';

export interface TextSocket {
  send(data: string, callback: (error?: Error) => void): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Decides, per incoming message, what reaches the connection: the message (as the gate passes it on), or nothing (it was answered or dropped). */
export type MessageAdmission = (message: Message) => Message | undefined;

export class WebSocketMessageReader extends AbstractMessageReader implements MessageReader {
  private callback: DataCallback | undefined;
  /** Messages that arrive before `listen` (the peer may speak first) wait here. */
  private readonly early: Message[] = [];

  constructor(socket: TextSocket, private readonly admit: MessageAdmission = (message) => message) {
    super();
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.fireError(new Error('The peer sent a binary WebSocket message; Stackhook speaks JSON-RPC in text messages.'));
        return;
      }
      let message: Message;
      try {
        message = JSON.parse(String(data)) as Message;
      } catch (error) {
        this.fireError(new Error(`The peer sent a text message that is not JSON: ${(error as Error).message}`));
        return;
      }
      if (typeof message !== 'object' || message === null || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
        this.fireError(new Error('The peer sent JSON that is not a JSON-RPC 2.0 message.'));
        return;
      }
      const admitted = this.admit(message);
      if (!admitted) return;
      if (this.callback) this.callback(admitted);
      else this.early.push(admitted);
    });
    socket.on('error', (error) => this.fireError(error));
    socket.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const message of this.early.splice(0)) callback(message);
    return Disposable.create(() => {
      if (this.callback === callback) this.callback = undefined;
    });
  }
}

export class WebSocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(
    private readonly socket: TextSocket,
    private readonly sent: (message: Message) => void = () => undefined,
  ) {
    super();
    socket.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(JSON.stringify(message), (error) => {
        if (error) {
          this.errors += 1;
          this.fireError(error, message, this.errors);
          reject(error);
          return;
        }
        this.errors = 0;
        this.sent(message);
        resolve();
      });
    });
  }

  end(): void {}
}
