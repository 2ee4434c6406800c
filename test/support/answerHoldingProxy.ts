// A loopback proxy in front of the fake Bitbucket that passes requests on and, for the ones a test
// picks, lets Bitbucket act but keeps its answer from the client: a server that dies then has started
// something it never heard about (a pipeline triggered, its answer lost).
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AnswerHoldingProxy {
  /** The REST base to pass as --bitbucket-api, like the fake's own. */
  readonly url: string;
  /** Requests whose answer was kept back. */
  readonly held: number;
  stop(): Promise<void>;
}

/**
 * `drop`: the client's connection is closed once Bitbucket has answered, instead of left waiting,
 * as when a connection breaks on the way back.
 */
export async function startAnswerHoldingProxy(target: string, holds: (request: IncomingMessage) => boolean, options: { drop?: boolean } = {}): Promise<AnswerHoldingProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let held = 0;
  const server = createServer((request, response) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        if (holds(request)) {
          held++;
          answer.resume(); // Bitbucket answered; the client never hears it.
          if (options.drop) response.destroy();
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    get held() {
      return held;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
