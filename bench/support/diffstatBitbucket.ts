// A Bitbucket that answers only diffstats, at once, and leaves every other request unanswered (as
// unansweringBitbucket.ts does, so the runs deliveries queue stay in flight). Trigger paths (R23)
// read a delivery's diffstat before it is answered; this is the cheapest Bitbucket that lets the
// receiver do that for every delivery, so the benchmark measures the receiver's share of the work.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface DiffstatBitbucket {
  /** The API base to pass as `--bitbucket-api`. */
  readonly apiUrl: string;
  /** Diffstat requests answered so far. */
  readonly answered: () => number;
  stop(): Promise<void>;
}

/** Every diffstat lists `paths` (one page). */
export async function startDiffstatBitbucket(paths: readonly string[]): Promise<DiffstatBitbucket> {
  const page = Buffer.from(
    JSON.stringify({
      pagelen: 500,
      values: paths.map((path) => ({ type: 'diffstat', status: 'modified', lines_added: 1, lines_removed: 1, old: { path, type: 'commit_file' }, new: { path, type: 'commit_file' } })),
    }),
  );
  const held = new Set<ServerResponse>();
  let answered = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (request.method === 'GET' && /\/diffstat\//.test(request.url ?? '')) {
      answered++;
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': page.length });
      response.end(page);
      return;
    }
    held.add(response);
    response.on('close', () => held.delete(response));
  });
  const port = await listenOnLoopback(server);
  return {
    apiUrl: `http://127.0.0.1:${port}/2.0`,
    answered: () => answered,
    stop: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
