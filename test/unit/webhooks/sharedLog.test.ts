// The runs and deliveries logs are appended by one process while another (or this one's watcher)
// reads what others appended. Neither may list a record twice or miss one.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod';
import { AppendLog } from '../../../server/store/files/appendLog';
import { watchLogs } from '../../../server/store/files/logWatcher';
import type { ChangeTopic } from '../../../server/protocol';

const Entry = z.object({ id: z.string() });
/** A line of the deliveries log as far as the watcher cares: it may carry the runs it queued. */
const DeliveryEntry = z.object({ id: z.string(), runs: z.array(Entry).default([]) });

describe('logs shared between processes', () => {
  it('R16: refreshing while this process appends never lists its own records twice', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stackhook-log-')), 'deliveries.jsonl');
    const mine = new AppendLog(file, Entry, 10_000);
    const reader = new AppendLog(file, Entry, 10_000);
    await Promise.all([mine.load(), reader.load()]);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i += 1) {
      work.push(mine.append([{ id: `mine-${i}` }]));
      if (i % 3 === 0) work.push(mine.refresh());
      if (i % 5 === 0) work.push(reader.refresh());
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    await Promise.all([mine.refresh(), reader.refresh()]);
    for (const log of [mine, reader]) {
      const ids = log.all().map((entry) => entry.id);
      assert.equal(ids.length, 300);
      assert.equal(new Set(ids).size, 300, 'no record listed twice');
    }
  });

  // Two writers on one log: serve recording runs while an editor triggers one by hand.
  it('R16: two processes appending to one log both end up with every record once', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stackhook-log-')), 'runs.jsonl');
    const mine = new AppendLog(file, Entry, 10_000);
    const theirs = new AppendLog(file, Entry, 10_000);
    await Promise.all([mine.load(), theirs.load()]);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i += 1) {
      work.push(mine.append([{ id: `mine-${i}` }]));
      if (i % 10 === 0) work.push(theirs.append([{ id: `theirs-${i}` }]));
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    await Promise.all([mine.refresh(), theirs.refresh()]);
    for (const log of [mine, theirs]) {
      const ids = log.all().map((entry) => entry.id);
      assert.equal(new Set(ids).size, 330);
      assert.equal(ids.length, 330);
    }
  });

  it('tells the editor which views changed when another process appends', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-watch-'));
    const runs = new AppendLog(path.join(folder, 'runs.jsonl'), Entry, 100);
    const deliveries = new AppendLog(path.join(folder, 'deliveries.jsonl'), Entry, 100);
    await Promise.all([runs.load(), deliveries.load()]);
    const topics: ChangeTopic[][] = [];
    const stop = watchLogs(folder, { runs, deliveries }, (changed) => topics.push(changed));
    try {
      const other = new AppendLog(path.join(folder, 'deliveries.jsonl'), Entry, 100);
      await other.load();
      await other.append([{ id: 'from-serve' }]);
      const deadline = Date.now() + 5_000;
      while (!topics.some((t) => t.includes('deliveries')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(topics, [['deliveries']]);
      assert.deepEqual(deliveries.all(), [{ id: 'from-serve' }]);
      // This process's own appends are not announced again by the watcher.
      await runs.append([{ id: 'mine' }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(topics, [['deliveries']]);
    } finally {
      stop();
    }
  });

  it('announces runs too when another process records a delivery that queued runs', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-watch-'));
    const runs = new AppendLog(path.join(folder, 'runs.jsonl'), Entry, 100);
    const deliveries = new AppendLog(path.join(folder, 'deliveries.jsonl'), DeliveryEntry, 100);
    await Promise.all([runs.load(), deliveries.load()]);
    const topics: ChangeTopic[][] = [];
    const stop = watchLogs(folder, { runs, deliveries }, (changed) => topics.push(changed));
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (topics.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      const other = new AppendLog(path.join(folder, 'deliveries.jsonl'), DeliveryEntry, 100);
      await other.load();
      await other.append([{ id: 'queued', runs: [{ id: 'run-1' }] }]);
      await waitFor(1);
      assert.deepEqual(topics, [['deliveries', 'runs']]);
      await other.append([{ id: 'ignored', runs: [] }]);
      await waitFor(2);
      assert.deepEqual(topics, [['deliveries', 'runs'], ['deliveries']]);
      assert.deepEqual(deliveries.all().map((entry) => entry.id), ['queued', 'ignored']);
      await other.close();
    } finally {
      stop();
      await Promise.all([runs.close(), deliveries.close()]);
    }
  });
});
