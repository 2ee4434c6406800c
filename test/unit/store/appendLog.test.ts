import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { AppendLog } from '../../../server/store/appendLog';
import { tempStore } from '../../support/serverProcess';

const Entry = z.object({ n: z.number() });

describe('store/appendLog', () => {
  it('appends made while a write is in flight share one write, and all resolve once on disk', async () => {
    const file = path.join(tempStore(), 'log.jsonl');
    const log = new AppendLog(file, Entry, 1_000);
    await log.load();
    await Promise.all(Array.from({ length: 50 }, (_, n) => log.append([{ n }])));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 50);
    assert.deepEqual(lines.map((line) => JSON.parse(line).n).sort((a, b) => a - b), Array.from({ length: 50 }, (_, n) => n));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a line cut short by a crash is skipped, and the next append starts on a line of its own', async () => {
    const file = path.join(tempStore(), 'log.jsonl');
    appendFileSync(file, '{"n":1}\n{"n":2}\n{"n":');
    const log = new AppendLog(file, Entry, 1_000);
    await log.load();
    assert.deepEqual(log.all(), [{ n: 1 }, { n: 2 }]);
    await log.append([{ n: 3 }]);
    const reread = new AppendLog(file, Entry, 1_000);
    await reread.load();
    assert.deepEqual(reread.all(), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('past its cap the log rotates to <file>.1, keeping one older generation, so it cannot grow without bound', async () => {
    const file = path.join(tempStore(), 'log.jsonl');
    const log = new AppendLog(file, Entry, 10);
    await log.load();
    for (let n = 0; n < 35; n += 1) await log.append([{ n }]);
    assert.ok(existsSync(`${file}.1`));
    assert.ok(readFileSync(file, 'utf8').trim().split('\n').length <= 10);
    const reread = new AppendLog(file, Entry, 10);
    await reread.load();
    assert.ok(reread.all().length <= 20);
    assert.equal(reread.all().at(-1)?.n, 34);
  });

  it('refresh picks up what another writer appended', async () => {
    const file = path.join(tempStore(), 'log.jsonl');
    const reader = new AppendLog(file, Entry, 1_000);
    await reader.load();
    const writer = new AppendLog(file, Entry, 1_000);
    await writer.load();
    await writer.append([{ n: 7 }, { n: 8 }]);
    assert.equal(await reader.refresh(), true);
    assert.deepEqual(reader.all(), [{ n: 7 }, { n: 8 }]);
    assert.equal(await reader.refresh(), false);
  });
});
