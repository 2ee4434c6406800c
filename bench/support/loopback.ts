// A benchmark's stand-in server listening on a free loopback port (benchmarks target only loopback).
import type { Server } from 'node:net';

/** Listens on 127.0.0.1 at a port the system picks; resolves to that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
