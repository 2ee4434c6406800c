// What the front door (listener.ts) allows a connection, so idle or slow clients cannot exhaust
// its descriptors: timeouts for headers, for the whole request, for silence and for keep-alive, and
// a cap on open connections that, when reached, closes the longest-idle connection to make room for
// a new one (a real delivery sends its request at once; a silent socket is the one to go).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ReceiverLimits {
  /** The request line and headers must arrive within this many ms of the connection (Bitbucket sends them at once). */
  headersTimeoutMs: number;
  /** The whole request, body included. */
  requestTimeoutMs: number;
  /** A connection silent this long is closed, whatever state it is in. */
  idleTimeoutMs: number;
  /** How long a kept-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; reaching it closes the longest-idle one. */
  maxConnections: number;
}

export const DEFAULT_RECEIVER_LIMITS: ReceiverLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
};

/** Node checks headers and request timeouts on this interval: short, so they hold as configured. */
export function checkingIntervalMs(limits: ReceiverLimits): number {
  return Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
}

interface Tracked {
  busy: number;
  idleSince: number;
}

/** Applies the limits to a server created with `connectionsCheckingInterval: checkingIntervalMs(limits)`. */
export function applyLimits(server: Server, limits: ReceiverLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Without a callback, a socket that times out is destroyed.
  server.timeout = limits.idleTimeoutMs;
  const sockets = new Map<Socket, Tracked>();

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { busy: 0, idleSince: Date.now() });
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size > limits.maxConnections) makeRoom(sockets, socket);
  });
  server.on('request', (request, response) => {
    const tracked = sockets.get(request.socket);
    if (!tracked) return;
    tracked.busy += 1;
    response.once('close', () => {
      tracked.busy -= 1;
      tracked.idleSince = Date.now();
    });
  });
}

/** Closes the longest-idle connection other than the newcomer; if every other one is busy, the newcomer. */
function makeRoom(sockets: Map<Socket, Tracked>, newcomer: Socket): void {
  let oldest: Socket | null = null;
  let oldestSince = Infinity;
  for (const [socket, tracked] of sockets) {
    if (socket === newcomer || tracked.busy > 0) continue;
    if (tracked.idleSince < oldestSince) {
      oldest = socket;
      oldestSince = tracked.idleSince;
    }
  }
  (oldest ?? newcomer).destroy();
}
