// The server's stderr log: lines logged in one turn of the event loop leave in one write (a busy
// receiver logs a line per delivery, and a write to a pipe is a system call each), errors leave at
// once, and nothing pending is lost when the process exits.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { stderrSink } from '../../server/log';

describe('log lines on stderr', () => {
  let writes: string[];
  let original: typeof process.stderr.write;

  beforeEach(() => {
    writes = [];
    original = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = original;
  });

  it('lines of one turn go out together, in order, in one write', async () => {
    stderrSink('info', 'delivery a → 202 queued');
    stderrSink('warn', 'delivery b → 503');
    stderrSink('info', 'delivery c → 200 ignored');
    assert.equal(writes.length, 0, 'nothing is written before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 1);
    assert.match(writes[0] as string, /^\[[^\]]+\] info {2}delivery a → 202 queued\n\[[^\]]+\] warn {2}delivery b → 503\n\[[^\]]+\] info {2}delivery c → 200 ignored\n$/);
  });

  it('an error is written at once, after the lines before it', () => {
    stderrSink('info', 'delivery a → 202 queued');
    stderrSink('error', 'the webhook receiver failed');
    assert.equal(writes.length, 1);
    assert.match(writes[0] as string, /info {2}delivery a → 202 queued\n.*error the webhook receiver failed\n$/);
  });

  it('lines pending when the process exits are written', () => {
    const script = `const { stderrSink } = require(${JSON.stringify(path.resolve(__dirname, '../../server/log'))}); stderrSink('info', 'one'); stderrSink('info', 'two'); process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: path.resolve(__dirname, '../..') });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stderr, /info {2}one\n.*info {2}two\n$/);
  });
});
