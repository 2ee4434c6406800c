import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { AppendLog } from '../../../server/store/files/appendLog';
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

  describe('listed once per key (uniqueBy)', () => {
    const Keyed = z.object({ key: z.string(), by: z.string() });
    const keyed = (file: string, maxEntries = 1_000) => new AppendLog(file, Keyed, maxEntries, undefined, (record) => (record.key === 'free' ? null : record.key));

    it('lists the first line of each key only, in every process alike; records without a key are all listed', async () => {
      const file = path.join(tempStore(), 'log.jsonl');
      const [a, b] = [keyed(file), keyed(file)];
      await Promise.all([a.load(), b.load()]);
      // Two processes append one key at once: both lines are written, and the file orders them.
      await Promise.all([a.append([{ key: 'k1', by: 'a' }]), b.append([{ key: 'k1', by: 'b' }])]);
      await a.refresh();
      await b.refresh();
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2, 'both attempts are on disk');
      const firstOnDisk = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string).by;
      for (const log of [a, b]) {
        assert.deepEqual(log.all().map((record) => record.by), [firstOnDisk]);
        assert.equal(log.firstOf('k1')?.by, firstOnDisk);
      }
      await a.append([{ key: 'free', by: 'a' }, { key: 'free', by: 'a' }, { key: 'k1', by: 'a' }, { key: 'k2', by: 'a' }]);
      assert.deepEqual(a.all().map((record) => `${record.key}/${record.by}`), [`k1/${firstOnDisk}`, 'free/a', 'free/a', 'k2/a']);
      const reread = keyed(file);
      await reread.load();
      assert.deepEqual(reread.all(), a.all());
      assert.equal(reread.firstOf('missing'), undefined);
    });

    it('keeps listing one line per key across a rotation, and forgets the keys of what it no longer holds', async () => {
      const file = path.join(tempStore(), 'log.jsonl');
      const log = keyed(file, 2);
      await log.load();
      for (let n = 0; n < 7; n += 1) await log.append([{ key: `k${n}`, by: 'a' }, { key: `k${n}`, by: 'again' }]);
      assert.ok(log.all().length < 7, 'the oldest are trimmed');
      assert.ok(log.all().every((record) => record.by === 'a'));
      assert.equal(log.firstOf('k6')?.by, 'a');
      assert.equal(log.firstOf('k0'), undefined, 'a key trimmed from memory is no longer listed');
    });
  });
});
