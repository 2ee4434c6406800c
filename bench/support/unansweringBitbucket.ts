// A Bitbucket that takes its time: a loopback server that accepts connections and answers none within
// a benchmark. Runs that the benchmark's deliveries queue then stay in flight, one per stack (tracked
// runs of a stack go one at a time), as they do while real pipelines run for minutes. Against an
// address that refuses connections they would instead fail at once, one after another, and the
// benchmark would time how fast a backlog of failing runs churns rather than the receiver.
import { createServer, type Socket } from 'node:net';
import { listenOnLoopback } from './loopback';

export interface UnansweringBitbucket {
  /** The API base to pass as `--bitbucket-api`. */
  readonly apiUrl: string;
  stop(): Promise<void>;
}

export async function startUnansweringBitbucket(): Promise<UnansweringBitbucket> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  const port = await listenOnLoopback(server);
  return {
    apiUrl: `http://127.0.0.1:${port}/2.0`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
