// The webhook receiver: an HTTP listener for `POST /webhooks/bitbucket-cloud/<integration id>` and
// `GET /healthz`. It only moves bytes; what a delivery means is decided in delivery.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { describeError } from '../errors';
import type { ServerContext } from '../context';
import { hostPort } from '../hostPort';
import { WEBHOOK_PATH_PREFIX } from '../registry/webhookUrl';
import type { DeliveryRecorder } from '../store/storeEngine';
import { DEFAULT_RECEIVER_LIMITS, applyLimits, checkingIntervalMs, type ReceiverLimits } from '../http/connectionLimits';
import { DeliveryPipeline, MAX_BODY_BYTES, type DeliveryAnswer } from './delivery';
import { printable } from './printable';

export interface ListenAddress {
  host: string;
  port: number;
}

/** What `GET /healthz` answers; another Stackhook process recognises the receiver by `service`. */
export interface Health {
  ok: true;
  service: 'stackhook';
  version: string;
}

/** A team route's answer to a request, or null when the path is not one of its routes. */
export type TeamRoutes = (path: string, request: IncomingMessage, response: ServerResponse) => Promise<void> | null;

/** What a team server adds to the receiver: TLS, WebSocket upgrades (`GET /rpc`) and its own HTTP routes. */
export interface ReceiverExtras {
  readonly tls?: { cert: Buffer; key: Buffer } | undefined;
  readonly onUpgrade?: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  readonly onRequest?: TeamRoutes | undefined;
}

export class WebhookReceiver {
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts listening; rejects with the listen error (EADDRINUSE when the port is taken). */
  static async listen(
    context: ServerContext,
    recorder: DeliveryRecorder,
    address: ListenAddress,
    onDelivery: (answer: DeliveryAnswer) => void,
    limits: ReceiverLimits = DEFAULT_RECEIVER_LIMITS,
    extras: ReceiverExtras = {},
  ): Promise<WebhookReceiver> {
    const pipeline = new DeliveryPipeline(context, recorder);
    let receiver: WebhookReceiver | undefined;
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      const work = handle(context, pipeline, request, response, onDelivery, extras.onRequest);
      receiver?.track(work);
    };
    const options = { connectionsCheckingInterval: checkingIntervalMs(limits) };
    const server = extras.tls ? createTlsServer({ ...options, cert: extras.tls.cert, key: extras.tls.key }, listener) : createServer(options, listener);
    if (extras.onUpgrade) server.on('upgrade', extras.onUpgrade);
    // Bitbucket gives up after 10 s; a client slower than the limits is not Bitbucket.
    applyLimits(server, limits);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => context.log.error(`The webhook receiver failed: ${describeError(error)}`));
    const bound = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `${extras.tls ? 'https' : 'http'}://${hostPort(bound.address, bound.port)}`);
    return receiver;
  }

  /** Stops accepting, lets deliveries in flight finish (their records reach the disk), then resolves. */
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

async function handle(
  context: ServerContext,
  pipeline: DeliveryPipeline,
  request: IncomingMessage,
  response: ServerResponse,
  onDelivery: (answer: DeliveryAnswer) => void,
  teamRoutes?: TeamRoutes,
): Promise<void> {
  // Errors on either stream (a client that hangs up) must not reach the process as unhandled.
  request.on('error', () => undefined);
  response.on('error', () => undefined);
  let path: string;
  try {
    path = new URL(request.url ?? '/', 'http://receiver').pathname;
  } catch {
    return send(response, 400, { error: 'The request target is not a URL path.' });
  }
  if (path === '/healthz') {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'Use GET.' }, { Allow: 'GET, HEAD' });
    const health: Health = { ok: true, service: 'stackhook', version: context.version };
    return send(response, 200, health);
  }
  const teamAnswer = teamRoutes?.(path, request, response);
  if (teamAnswer) return teamAnswer;
  if (!path.startsWith(WEBHOOK_PATH_PREFIX)) {
    return send(response, 404, { error: `Nothing here. Bitbucket Cloud webhooks go to ${WEBHOOK_PATH_PREFIX}<integration id>.` });
  }
  if (request.method !== 'POST') {
    return send(response, 405, { error: 'Webhook deliveries are POST requests.' }, { Allow: 'POST' });
  }
  let integrationId: string;
  try {
    integrationId = decodeURIComponent(path.slice(WEBHOOK_PATH_PREFIX.length));
  } catch {
    integrationId = path.slice(WEBHOOK_PATH_PREFIX.length);
  }

  let answer: DeliveryAnswer;
  try {
    answer = await pipeline.handle({ integrationId, headers: request.headers, readBody: () => readBody(request) });
  } catch (error) {
    if (request.socket.destroyed || !response.writable) return; // The client hung up: nobody to answer.
    // Nothing was recorded as taken (recording is the last step), so a retry is safe and wanted.
    context.log.error(`Delivery to ${printable(integrationId)} could not be recorded: ${describeError(error)}`);
    return send(response, 503, { error: 'Stackhook could not record this delivery; Bitbucket will retry it.' }, { 'Retry-After': '5' });
  }
  onDelivery(answer);
  // A body left unread (too large, or never needed) is not drained: close the connection instead.
  const extra: Record<string, string> = request.complete ? {} : { Connection: 'close' };
  send(response, answer.status, answer.response, extra);
}

/**
 * A body over the limit is still read (and thrown away) up to DRAIN_LIMIT bytes for a short while, so
 * the client is not cut off mid-write and sees the 413; anything larger is not read at all and the
 * connection is closed after the answer.
 */
const DRAIN_LIMIT = 4 * MAX_BODY_BYTES;
const DRAIN_MS = 2_000;

function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return Promise.resolve('too-large');
  // The body is read only once the integration is known, so the client may have hung up already:
  // its 'close' has been emitted and 'end' never will be.
  if (request.destroyed) return Promise.reject(new Error('The client closed the connection before the body was read.'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let drainTimer: NodeJS.Timeout | undefined;
    const tooLarge = () => {
      clearTimeout(drainTimer);
      request.off('data', onData);
      request.pause();
      resolve('too-large');
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) return tooLarge();
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        drainTimer ??= setTimeout(tooLarge, DRAIN_MS);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      clearTimeout(drainTimer);
      resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks, size));
    });
    request.once('error', reject);
    request.once('close', () => {
      clearTimeout(drainTimer);
      if (!request.complete) reject(new Error('The client closed the connection before the body arrived.'));
    });
  });
}

export function send(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}
