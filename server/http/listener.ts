// The server's one HTTP front door: a listener (plain or TLS) with its connection limits, handing
// each request to the first route that takes its path and an upgrade to whoever takes upgrades. It
// knows nothing of what the routes do; main.ts and webhooks/editorReceiver.ts hand them in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostPort } from '../hostPort';
import { DEFAULT_RECEIVER_LIMITS, applyLimits, checkingIntervalMs, type ReceiverLimits } from './connectionLimits';
import { send, type Route } from './routes';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ListenerOptions {
  /** Tried in order: the first that takes the path answers. */
  readonly routes: readonly Route[];
  /** What a path no route takes is answered with (404). */
  readonly notFound: string;
  readonly limits?: ReceiverLimits | undefined;
  readonly tls?: { cert: Buffer; key: Buffer } | undefined;
  /** A team server's WebSocket upgrades (`GET /rpc`). */
  readonly onUpgrade?: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  /** A failure of the listening socket once it listens. */
  readonly onError: (error: Error) => void;
}

export class HttpListener {
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts listening; rejects with the listen error (EADDRINUSE when the port is taken). */
  static async listen(address: ListenAddress, options: ListenerOptions): Promise<HttpListener> {
    const limits = options.limits ?? DEFAULT_RECEIVER_LIMITS;
    let listener: HttpListener | undefined;
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      const work = dispatch(options, request, response);
      listener?.track(work);
    };
    const serverOptions = { connectionsCheckingInterval: checkingIntervalMs(limits) };
    const server = options.tls ? createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler) : createServer(serverOptions, handler);
    if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
    // Bitbucket gives up after 10 s; a client slower than the limits is not Bitbucket.
    applyLimits(server, limits);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', options.onError);
    const bound = server.address() as AddressInfo;
    listener = new HttpListener(server, `${options.tls ? 'https' : 'http'}://${hostPort(bound.address, bound.port)}`);
    return listener;
  }

  /** Stops accepting, lets requests in flight finish (a delivery's record reaches the disk), then resolves. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      await Promise.allSettled([...this.inFlight]);
      // Keep-alive sockets that were busy a moment ago are idle now.
      this.server.closeAllConnections();
      await stopped;
    })();
    return this.closing;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

async function dispatch(options: ListenerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Errors on either stream (a client that hangs up) must not reach the process as unhandled.
  request.on('error', () => undefined);
  response.on('error', () => undefined);
  let path: string;
  try {
    path = new URL(request.url ?? '/', 'http://receiver').pathname;
  } catch {
    return send(response, 400, { error: 'The request target is not a URL path.' });
  }
  for (const route of options.routes) {
    const answered = route(path, request, response);
    if (answered) return answered;
  }
  send(response, 404, { error: options.notFound });
}
