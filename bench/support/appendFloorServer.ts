// The file store's floor for a durable accept: bare Node http that appends each body, as one JSON
// line, to a log through the store's own AppendLog (concurrent appends share one write and one
// fsync) and answers 202 only once its line is on disk. Nothing else: no signature, no parse, no
// routing, no claim. Run as a process of its own, as the receiver is:
//   node --import tsx bench/support/appendFloorServer.ts <folder>
// prints "port N" once it listens.
import { createServer } from 'node:http';
import * as path from 'node:path';
import { z } from 'zod';
import { AppendLog } from '../../server/store/files/appendLog';

/** As many lines as the receiver keeps in its deliveries log before rotating: the same rotation cost. */
const MAX_ENTRIES = 10_000;

async function main(folder: string): Promise<void> {
  const log = new AppendLog(path.join(folder, 'floor.jsonl'), z.string(), MAX_ENTRIES);
  await log.load();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      log.append([Buffer.concat(chunks).toString('utf8')]).then(
        () => {
          response.writeHead(202, { 'Content-Type': 'application/json' });
          response.end('{"ok":true}');
        },
        () => {
          response.writeHead(503);
          response.end();
        },
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') console.log(`port ${address.port}`);
  });
}

const folder = process.argv[2];
if (!folder) {
  console.error('usage: appendFloorServer.ts <folder for the log>');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
void main(folder);
