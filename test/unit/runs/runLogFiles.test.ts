// The file store's run logs: the logs of runs the records no longer hold are deleted as new logs
// come, so `run-logs/` does not grow forever; a log written within the last hour is kept whatever.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { QueuedRun } from '../../../server/protocol';
import { RunBook } from '../../support/fileEngine';
import { RunLogFiles } from '../../../server/store/files/runLogs';
import { AppendLog } from '../../../server/store/files/appendLog';
import { RUN_LOG_PRUNE_EVERY } from '../../../server/store/storeEngine';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { tempStore } from '../../support/serverProcess';

const HOUR = 60 * 60 * 1000;
const ageBy = (file: string, ms: number) => utimesSync(file, new Date(Date.now() - ms), new Date(Date.now() - ms));

describe('runs/run log files: pruning', () => {
  it('deletes the logs of runs no longer kept once they are an hour old, and nothing else', async () => {
    const folder = path.join(tempStore(), 'run-logs');
    const kept = new Set(['kept-old', 'kept-new']);
    const logs = new RunLogFiles(folder, 1024, async () => (runId) => kept.has(runId));
    for (const runId of ['kept-old', 'kept-new', 'gone-old', 'gone-new']) await logs.append(runId, `${runId}\n`);
    ageBy(path.join(folder, 'kept-old.log'), 2 * HOUR);
    ageBy(path.join(folder, 'gone-old.log'), 2 * HOUR);
    writeFileSync(path.join(folder, 'notes.txt'), 'not a log');
    ageBy(path.join(folder, 'notes.txt'), 2 * HOUR);

    assert.equal(await logs.prune(), 1);
    assert.deepEqual(readdirSync(folder).sort(), ['gone-new.log', 'kept-new.log', 'kept-old.log', 'notes.txt']);
    assert.equal((await logs.read('gone-old', 0, true)).text, '', 'read as a log with nothing in it');
    assert.equal(await new RunLogFiles(folder, 1024).prune(), 0, 'without knowing the kept runs, nothing goes');
  });

  it(`looks once every ${RUN_LOG_PRUNE_EVERY} new logs`, async () => {
    const folder = path.join(tempStore(), 'run-logs');
    let looks = 0;
    const logs = new RunLogFiles(folder, 1024, async () => ((looks += 1), () => true));
    for (let n = 0; n < RUN_LOG_PRUNE_EVERY - 1; n += 1) await logs.append(`run-${n}`, 'output\n');
    await logs.append('run-0', 'more output of a log that exists\n');
    assert.equal(looks, 0);
    await logs.append(`run-${RUN_LOG_PRUNE_EVERY}`, 'output\n');
    for (let waited = 0; looks === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(looks, 1, 'the 100th new log has the folder looked through');
  });

  it('the run book keeps the logs of the runs its logs hold, other processes\' included, and lets the others go', async () => {
    const folder = tempStore();
    const deliveries = new AppendLog(path.join(folder, 'deliveries.jsonl'), StoredDelivery, 2);
    const runs = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000);
    await Promise.all([deliveries.load(), runs.load()]);
    const book = new RunBook(folder, runs, deliveries, () => undefined);
    await book.load();
    const run = (id: string): QueuedRun => ({ id, stackId: 'net', kind: 'tracked', trigger: 'push', branch: 'main', commit: null, deliveryId: `{${id}}`, createdAt: new Date().toISOString() });
    const delivery = (id: string): StoredDelivery => ({
      id: `{${id}}`, integrationId: 'acme-main', eventKey: 'repo:push', repository: 'acme/net', verdict: 'queued', reason: 'tracked run on net',
      status: 202, stackIds: ['net'], receivedAt: new Date().toISOString(), runs: [run(id)],
    });
    for (let n = 0; n < 8; n += 1) {
      await deliveries.append([delivery(`r${n}`)]);
      await book.logs.append(`r${n}`, 'output\n');
    }
    // Another process on the store queues a run by hand; this book has not read it yet.
    const theirs = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000);
    await theirs.load();
    await theirs.append([run('manual')]);
    await book.logs.append('manual', 'output\n');
    const logFolder = path.join(folder, 'run-logs');
    for (const name of readdirSync(logFolder)) ageBy(path.join(logFolder, name), 2 * HOUR);

    const listed = new Set(deliveries.all().flatMap((record) => record.runs.map((queued) => queued.id)));
    assert.ok(listed.size < 8, 'the deliveries log let its oldest go');
    await (book.logs as RunLogFiles).prune();
    for (let n = 0; n < 8; n += 1) assert.equal(existsSync(path.join(logFolder, `r${n}.log`)), listed.has(`r${n}`), `r${n}'s log`);
    assert.ok(existsSync(path.join(logFolder, 'manual.log')), 'another process\'s run is read before anything goes');
    await Promise.all([deliveries.close(), runs.close(), theirs.close(), book.events.close()]);
  });
});
