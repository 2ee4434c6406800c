import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { QueuedRun } from '../../../server/protocol';
import { planSummary } from '../../../server/runs/planSummary';
import { statusKey } from '../../../server/runs/reporters/buildStatus';
import { resumeAt } from '../../../server/runs/runBook';
import { RunBook } from '../../support/fileEngine';
import { definesCustomPipeline } from '../../../server/runs/runners/pipelines';
import { AppendLog } from '../../../server/store/files/appendLog';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { tempStore } from '../../support/serverProcess';

const opened: { close(): Promise<void> }[] = [];

async function openBook(folder: string, announced: string[]) {
  const runs = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000);
  const deliveries = new AppendLog(path.join(folder, 'deliveries.jsonl'), StoredDelivery, 1_000);
  opened.push(runs, deliveries);
  await Promise.all([runs.load(), deliveries.load()]);
  const book = new RunBook(folder, runs, deliveries, () => announced.push('runs'));
  await book.load();
  opened.push(book.events);
  return { runs, book };
}

const queued = (id: string): QueuedRun => ({ id, stackId: 'net', kind: 'tracked', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: new Date().toISOString() });

describe('the run book', () => {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((log) => log.close()));
  });

  it('a change is on disk before it is announced, and another process reads the same state', async () => {
    const folder = tempStore();
    const announced: string[] = [];
    const one = await openBook(folder, announced);
    await one.runs.append([queued('r1')]);
    assert.equal(one.book.record('r1')?.run.state, 'queued');
    await one.book.change('r1', { state: 'running', commit: 'a'.repeat(40) });
    assert.deepEqual(announced, ['runs']);
    const other = await openBook(folder, []);
    assert.equal(other.book.record('r1')?.run.state, 'running');
    assert.equal(other.book.lastRunOf('net')?.commit, 'a'.repeat(40));
  });

  it('an event read before its run (another process wrote both) applies once the run is read', async () => {
    const folder = tempStore();
    const writer = await openBook(folder, []);
    const reader = await openBook(folder, []);
    await writer.runs.append([queued('late')]);
    await writer.book.change('late', { state: 'running' });
    // The reader sees the events log grow before it looks at the runs log again.
    await reader.book.events.refresh();
    assert.equal(reader.book.record('late'), null);
    await reader.book.refresh();
    assert.equal(reader.book.record('late')?.run.state, 'running');
  });

  it('the runs a delivery queued name the process that recorded it as their origin; a claim is decided by the fence it names, for every process alike', async () => {
    const folder = tempStore();
    const a = await openBook(folder, []);
    const b = await openBook(folder, []);
    const deliveries = new AppendLog(path.join(folder, 'deliveries.jsonl'), StoredDelivery, 1_000);
    opened.push(deliveries);
    await deliveries.load();
    const delivery: StoredDelivery = {
      id: 'uuid-1',
      integrationId: 'acme',
      eventKey: 'repo:push',
      repository: 'acme/net',
      verdict: 'queued',
      reason: 'queued 2 runs',
      status: 202,
      stackIds: ['net'],
      receivedAt: new Date().toISOString(),
      runs: [queued('d-1'), queued('d-2')],
      recordedBy: 'host-a:1:x',
    };
    await deliveries.append([delivery]);
    await Promise.all([a.book.refresh(), b.book.refresh()]);
    assert.equal(b.book.record('d-1')?.origin, 'host-a:1:x', 'its origin, from the moment it is recorded');
    assert.equal(b.book.record('d-1')?.fence, 0, 'unclaimed');
    const first = await b.book.claim('d-1', 'host-b:1:y');
    assert.equal(first.accepted, true);
    assert.equal(first.record?.fence, 1);
    // A claim made on a stale reading names a fence that is taken: it counts for no one.
    const stale = await a.book.write('d-1', { owner: 'host-a:1:x', fence: 1 });
    assert.equal(stale.accepted, false);
    await b.book.refresh();
    assert.equal(b.book.record('d-1')?.owner, 'host-b:1:y', 'both read the same owner');
    assert.equal(a.book.record('d-1')?.owner, 'host-b:1:y');
    // The old owner's changes no longer count; the new one's do.
    assert.equal((await a.book.write('d-1', { fence: 0, state: 'running' })).accepted, false);
    assert.equal((await b.book.write('d-1', { fence: 1, state: 'running' })).accepted, true);
    const takeover = await a.book.claim('d-1', 'host-a:1:x');
    assert.equal(takeover.accepted, true, 'a takeover is the next fence');
    assert.equal((await b.book.write('d-1', { fence: 1, state: 'finished' })).accepted, false, 'the owner it was taken from records nothing');
    await b.book.refresh();
    assert.equal(b.book.record('d-1')?.run.state, 'running');
  });

  it('two processes claiming the same runs at once take each one exactly once', async function () {
    this.timeout(20_000);
    const folder = tempStore();
    const a = await openBook(folder, []);
    const b = await openBook(folder, []);
    const ids = Array.from({ length: 12 }, (_, i) => `run-${i}`);
    await a.runs.append(ids.map(queued));
    await b.book.refresh();
    const claims = await Promise.all(ids.flatMap((id) => [a.book.claim(id, 'host:1:a'), b.book.claim(id, 'host:2:b')]));
    for (let i = 0; i < ids.length; i++) assert.equal(Number(claims[2 * i]?.accepted) + Number(claims[2 * i + 1]?.accepted), 1, ids[i]);
    // A run that ended cannot be claimed again, even by a takeover.
    await a.book.change('run-0', { state: 'finished' });
    assert.equal((await b.book.claim('run-0', 'host:3:c')).accepted, false);
  });

  it('Confirm, Discard and Cancel are decided once, in log order, and a final state never changes', async () => {
    const folder = tempStore();
    const a = await openBook(folder, []);
    const b = await openBook(folder, []);
    await a.runs.append([queued('w')]);
    await a.book.claim('w', 'host:1:a');
    await a.book.write('w', { fence: 1, state: 'running' });
    assert.equal((await b.book.write('w', { decision: 'confirm', by: 'ana' })).accepted, false, 'nothing to confirm before it waits');
    await a.book.write('w', { fence: 1, state: 'unconfirmed', summary: 'Plan: 1 to add, 0 to change, 0 to destroy.' });
    await b.book.refresh();
    const [discard, confirm] = await Promise.all([b.book.write('w', { decision: 'discard', by: 'bo' }), a.book.write('w', { decision: 'confirm', by: 'ana' })]);
    assert.equal(Number(discard.accepted) + Number(confirm.accepted), 1, 'exactly one decision counts');
    await Promise.all([a.book.refresh(), b.book.refresh()]);
    assert.deepEqual(a.book.record('w')?.decision, b.book.record('w')?.decision, 'both processes read the same decision');
    const applying = await a.book.write('w', { fence: 1, state: 'applying', step: 'apply' });
    if (discard.accepted) {
      assert.equal(a.book.record('w')?.run.state, 'discarded');
      assert.equal(a.book.record('w')?.run.summary, 'discarded: Plan: 1 to add, 0 to change, 0 to destroy.');
      assert.equal(applying.accepted, false, 'a discarded run never applies');
    } else {
      assert.equal(applying.accepted, true, 'a confirmed run applies');
    }
    await a.book.write('w', { fence: 1, state: 'finished', endedAt: new Date().toISOString() });
    const final = a.book.record('w')?.run.state;
    assert.equal((await a.book.write('w', { fence: 1, state: 'failed', summary: 'again' })).accepted, false, 'a final state is never changed again');
    assert.equal(a.book.record('w')?.run.state, final);
    assert.equal((await a.book.write('w', { fence: 1, reports: { status: 'posted' } })).accepted, true, 'what its reports did is still recorded');
  });

  it('a Cancel of a queued run ends it in the log, so no owner starts it; of a running one, refuses every further step but the end', async () => {
    const folder = tempStore();
    const a = await openBook(folder, []);
    await a.runs.append([queued('q'), queued('r')]);
    assert.equal((await a.book.write('q', { decision: 'cancel', by: 'ana' })).accepted, true);
    assert.equal(a.book.record('q')?.run.state, 'stopped');
    assert.equal((await a.book.claim('q', 'host:1:a')).accepted, false);
    await a.book.claim('r', 'host:1:a');
    await a.book.write('r', { fence: 1, state: 'running', step: 'plan' });
    assert.equal((await a.book.write('r', { decision: 'cancel', by: 'ana' })).accepted, true);
    assert.equal((await a.book.write('r', { decision: 'cancel', by: 'bo' })).accepted, false, 'cancelled once');
    assert.equal((await a.book.write('r', { fence: 1, state: 'unconfirmed' })).accepted, false);
    assert.equal((await a.book.write('r', { fence: 1, state: 'stopped', summary: 'stopped' })).accepted, true);
  });

  it('the stack lock holder admits runs to the queue: their order is the same for every process, whatever their clocks say', async () => {
    const folder = tempStore();
    const a = await openBook(folder, []);
    const b = await openBook(folder, []);
    const at = (id: string, iso: string) => ({ ...queued(id), createdAt: iso });
    await a.runs.append([at('late-clock', '2026-12-01T10:00:05Z'), at('early-clock', '2026-12-01T10:00:01Z')]);
    await a.book.refresh();
    // Admitted in the order this holder chose: from then on, that is the queue.
    await a.book.writeAll([{ runId: 'late-clock', change: { admit: true } }, { runId: 'early-clock', change: { admit: true } }]);
    await a.runs.append([at('earliest-clock', '2026-12-01T09:00:00Z')]);
    await b.book.refresh();
    assert.deepEqual(b.book.openRunsOf('net').map((record) => record.run.id), ['late-clock', 'early-clock', 'earliest-clock'], 'admitted first, then the rest oldest first');
    assert.equal((await b.book.write('late-clock', { admit: true })).accepted, false, 'a run is admitted once');
  });

  it('reads the plan line, keys statuses within 40 characters per stack and kind, and finds custom pipelines', () => {
    assert.equal(planSummary('Refreshing...\n\x1b[1mPlan:\x1b[0m 3 to add, 1 to change, 0 to destroy.\nDone'), 'Plan: 3 to add, 1 to change, 0 to destroy.');
    assert.equal(planSummary('No changes. Your infrastructure matches the configuration.'), 'No changes.');
    assert.equal(planSummary('nothing to see'), null);
    const long = 'a'.repeat(120);
    assert.ok(statusKey(long, 'proposed').length <= 40);
    assert.notEqual(statusKey(long, 'proposed'), statusKey(`${long}b`, 'proposed'));
    assert.notEqual(statusKey('net', 'tracked'), statusKey('net', 'proposed'));
    assert.equal(definesCustomPipeline('pipelines:\n  custom:\n    stackhook:\n      - step: {script: [true]}\n', 'stackhook'), true);
    assert.equal(definesCustomPipeline('pipelines:\n  default:\n    - step: {script: [true]}\n', 'stackhook'), false);
    assert.equal(definesCustomPipeline(': not yaml : [', 'stackhook'), false);
  });

  it('after its logs rotate it forgets the runs that left them and reads on where it was, not from the top', async () => {
    const folder = tempStore();
    const deliveriesLog = new AppendLog(path.join(folder, 'deliveries.jsonl'), StoredDelivery, 4);
    const runsLog = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000);
    opened.push(deliveriesLog, runsLog);
    await Promise.all([deliveriesLog.load(), runsLog.load()]);
    const book = new RunBook(folder, runsLog, deliveriesLog, () => undefined);
    await book.load();
    opened.push(book.events);
    let runsRead = 0;
    const delivery = (n: number): StoredDelivery => {
      const record: StoredDelivery = {
        id: `{d${n}}`, integrationId: 'acme-main', eventKey: 'repo:push', repository: 'acme/net', verdict: 'queued', reason: 'tracked run on net',
        status: 202, stackIds: ['net'], receivedAt: new Date(Date.UTC(2026, 11, 1, 12, 0, n)).toISOString(), runs: [{ ...queued(`run-${n}`), trigger: 'push', deliveryId: `{d${n}}` }],
      };
      // Counts how often the book reads a delivery's runs: the work its index does.
      const { runs } = record;
      Object.defineProperty(record, 'runs', { enumerable: true, get: () => ((runsRead += 1), runs) });
      return record;
    };
    let trims = 0;
    for (let n = 0; n < 22; n += 1) {
      const before = new Set(deliveriesLog.all().map((record) => record.id));
      await deliveriesLog.append([delivery(n)]);
      const listed = new Set(deliveriesLog.all().map((record) => record.id));
      const dropped = [...before].filter((id) => !listed.has(id)).length;
      if (dropped > 0) trims += 1;
      runsRead = 0;
      assert.ok(book.record(`run-${n}`));
      // Each delivery trimmed off is read once (to forget its runs), the new one once, the rest not again.
      assert.equal(runsRead, dropped + 1, `after delivery ${n}: ${runsRead} deliveries read, ${dropped} trimmed`);
      for (let m = 0; m <= n; m += 1) assert.equal(book.record(`run-${m}`) !== null, listed.has(`{d${m}}`), `run-${m} is known while its delivery is listed`);
      if (n === 17) await book.change('run-17', { state: 'running' });
    }
    assert.ok(trims >= 2, 'the log trimmed its oldest deliveries');
    assert.equal(book.record('run-17')?.run.state, 'running', 'a remaining run keeps its state');
  });

  it('tells a grown list and a trimmed one from a list read anew', () => {
    const records = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];
    const grown = records;
    assert.deepEqual(resumeAt(records, 2, grown), { at: 2, dropped: [] });
    const trimmed = [...records.slice(2), { n: 5 }];
    assert.deepEqual(resumeAt(records, 4, trimmed), { at: 2, dropped: records.slice(0, 2) });
    assert.deepEqual(resumeAt(records, 0, trimmed), { at: 0, dropped: [] });
    assert.equal(resumeAt(records, 4, records.map((record) => ({ ...record }))), null, 'other objects: read from the top');
    assert.equal(resumeAt(records, 9, records), null);
  });
});
