// Run logs in PostgreSQL as two replicas share them: the cap counts what both write, output is
// flushed in batches (one notice per flush, not per line), a replica following a log asks the
// database only once it has heard of new output, a run's final state is never ahead of its log, and
// logs go with their runs' records.
import { strict as assert } from 'node:assert';
import { Client, Pool } from 'pg';
import { QueuedRun } from '../../../server/protocol';
import { RunBook } from '../../support/fileEngine';
import { RunEvent } from '../../../server/store/runEvents';
import { CHANNEL } from '../../../server/store/postgres/changeChannel';
import { migrate } from '../../../server/store/postgres/migrations';
import { PostgresLog } from '../../../server/store/postgres/recordLog';
import { FLUSH_MS, PostgresRunLogs } from '../../../server/store/postgres/runLogs';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { changeChannelOf, startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';

const CAP = 10_000;

describe('PostgreSQL: run logs shared by replicas', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    cluster = await startPostgres();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  after(() => cluster?.stop());

  async function replica(url: string) {
    const pool = new Pool({ connectionString: url, max: 4 });
    await migrate(pool);
    const channel = changeChannelOf(pool, url);
    const logs = new PostgresRunLogs(pool, channel, { runs: 'runs', deliveries: 'deliveries' }, CAP);
    closers.push(async () => {
      await logs.close();
      await channel.close();
      await pool.end();
    });
    return { pool, channel, logs };
  }

  /** Two replicas on a fresh database. */
  async function replicas(name: string) {
    const url = await cluster.createDatabase(name);
    const a = await replica(url);
    const b = await replica(url);
    return { url, a, b };
  }

  /** Counts the run log notices on the channel, heard by a connection of the test's own. */
  async function listen(url: string): Promise<{ notices: () => number; close: () => Promise<void> }> {
    const client = new Client({ connectionString: url });
    await client.connect();
    let count = 0;
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload?.includes('"kind":"runLog"')) count += 1;
    });
    await client.query(`LISTEN ${CHANNEL}`);
    return { notices: () => count, close: () => client.end() };
  }

  it('the cap counts what both replicas write: one note, and nothing past it', async () => {
    const { a, b } = await replicas('log_cap');
    const line = (who: string, i: number) => `${who} ${String(i).padStart(4, '0')} ${'.'.repeat(40)}\n`;
    await Promise.all(
      [a.logs, b.logs].map(async (logs, n) => {
        // A flush per line: the replicas' transactions interleave on the log's row.
        for (let i = 0; i < 150; i++) {
          await logs.append('run-cap', line(n === 0 ? 'A' : 'B', i));
          await logs.settle('run-cap');
        }
      }),
    );
    const note = `\n[log cut at ${CAP} bytes]\n`;
    const { text, size } = await a.logs.read('run-cap', 0, true);
    assert.equal(size, CAP + note.length, 'the cap holds across replicas');
    assert.equal(text.split('[log cut').length, 2, 'one note');
    const kept = text.slice(0, -note.length).split('\n').slice(0, -1);
    assert.ok(kept.every((entry) => /^[AB] \d{4} \.{40}$/.test(entry)), 'every line kept is whole: flushes never interleave');
    assert.ok(kept.some((entry) => entry.startsWith('A')) && kept.some((entry) => entry.startsWith('B')), 'both replicas wrote');
    let queries = 0;
    a.pool.on('acquire', () => (queries += 1));
    await a.logs.append('run-cap', 'more output\n');
    await a.logs.settle('run-cap');
    assert.equal(queries, 0, 'a replica that knows the log is full sends nothing more');
  });

  it('a thousand lines go in a few flushes, each one notice, and arrive in order', async () => {
    const { url, a, b } = await replicas('log_batches');
    const heard = await listen(url);
    closers.push(heard.close);
    const started = Date.now();
    for (let i = 0; i < 1_000; i++) await a.logs.append('run-many', `line ${i}\n`);
    await a.logs.settle('run-many');
    const elapsed = Date.now() - started;
    const { rows } = await a.pool.query<{ count: string }>("SELECT count(*) FROM run_log_chunks WHERE run_id = 'run-many'");
    const flushes = Number(rows[0]?.count);
    assert.ok(flushes <= 2 + Math.ceil(elapsed / FLUSH_MS), `${flushes} flushes in ${elapsed} ms`);
    const deadline = Date.now() + 2_000;
    while (heard.notices() < flushes && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(heard.notices(), flushes, 'one notice per flush');
    const { text } = await b.logs.read('run-many', 0, true);
    assert.deepEqual(text.split('\n').slice(0, -1), Array.from({ length: 1_000 }, (_, i) => `line ${i}`));
  });

  it('a replica following a live log asks the database only after it heard of new output', async () => {
    const { a, b } = await replicas('log_follow');
    await a.logs.append('run-follow', 'Pipeline started.\n');
    await a.logs.settle('run-follow');
    assert.equal((await b.logs.read('run-follow', 0, false)).text, 'Pipeline started.\n', 'read before it heard any notice');
    // A notice sent before a replica listens is lost to it: it trusts sizes only once notices arrive.
    const listening = Date.now() + 5_000;
    while (!b.logs.hearing && Date.now() < listening) {
      await a.logs.append('run-other', '.\n');
      await a.logs.settle('run-other');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(b.logs.hearing);
    const first = await b.logs.read('run-follow', 0, false);
    assert.equal(first.text, 'Pipeline started.\n');
    let queries = 0;
    b.pool.on('acquire', () => (queries += 1));
    for (let i = 0; i < 20; i++) assert.equal((await b.logs.read('run-follow', first.nextOffset, false)).text, '');
    assert.equal(queries, 0, 'nothing new was announced: no query');
    await a.logs.append('run-follow', 'Plan: 1 to add.\n');
    await a.logs.settle('run-follow');
    const deadline = Date.now() + 1_000;
    let next = await b.logs.read('run-follow', first.nextOffset, false);
    while (next.text === '' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      next = await b.logs.read('run-follow', first.nextOffset, false);
    }
    assert.equal(next.text, 'Plan: 1 to add.\n', 'the notice told the other replica within a second');
    assert.ok(queries > 0);
  });

  it('a run seen ended on another replica has all its log: output waiting for a flush goes before the state', async () => {
    const { url, a, b } = await replicas('log_settle');
    const pool = a.pool;
    const runs = new PostgresLog(pool, a.channel, 'runs', QueuedRun, 100, ['runs']);
    const deliveries = new PostgresLog(pool, a.channel, 'deliveries', StoredDelivery, 100, ['deliveries']);
    const events = new PostgresLog(pool, a.channel, 'run-events', RunEvent, 100, ['runs']);
    await Promise.all([runs.load(), deliveries.load(), events.load()]);
    // Run events in the database too, as replicas share them (claims play no part here).
    const shared = { events, withClaimLock: <T>(action: () => Promise<T>) => action(), ownerAlive: () => true };
    const book = new RunBook(tempStore('stackhook-runlog-'), runs, deliveries, () => undefined, undefined, shared, a.logs);
    await book.load();
    await runs.append([{ id: 'run-end', stackId: 'net', kind: 'tracked', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: new Date().toISOString() }]);
    await book.logs.append('run-end', 'Refreshing state...\n');
    await book.logs.settle('run-end');
    // Within FLUSH_MS of the last flush: this line waits for the next one.
    await book.logs.append('run-end', 'Plan: 1 to add, 0 to change, 0 to destroy.\n');
    await book.change('run-end', { state: 'finished', endedAt: new Date().toISOString() });
    const otherPool = new Pool({ connectionString: url, max: 1 });
    closers.push(() => otherPool.end());
    const seen = new PostgresLog(otherPool, b.channel, 'run-events', RunEvent, 100, ['runs']);
    await seen.load();
    assert.ok(seen.all().some((event) => event.runId === 'run-end' && event.state === 'finished'));
    const { text } = await b.logs.read('run-end', 0, true);
    assert.equal(text, 'Refreshing state...\nPlan: 1 to add, 0 to change, 0 to destroy.\n');
  });

  it('logs go with their runs\' records: a log whose run is no longer kept is pruned, unless written lately', async () => {
    const { a } = await replicas('log_prune');
    for (const runId of ['run-manual', 'run-delivered', 'run-gone', 'run-fresh']) await a.logs.append(runId, `${runId}\n`);
    await Promise.all(['run-manual', 'run-delivered', 'run-gone', 'run-fresh'].map((runId) => a.logs.settle(runId)));
    await a.pool.query(`INSERT INTO records (log, body) VALUES ('runs', '{"id":"run-manual"}'), ('deliveries', '{"id":"d1","runs":[{"id":"run-delivered"}]}'), ('deliveries', '{"id":"d0"}')`);
    await a.pool.query("UPDATE run_logs SET written_at = now() - interval '2 hours' WHERE run_id <> 'run-fresh'");
    assert.equal(await a.logs.prune(), 1);
    const { rows } = await a.pool.query<{ run_id: string }>('SELECT run_id FROM run_logs ORDER BY run_id');
    assert.deepEqual(rows.map((row) => row.run_id), ['run-delivered', 'run-fresh', 'run-manual']);
    const chunks = await a.pool.query<{ count: string }>("SELECT count(*) FROM run_log_chunks WHERE run_id = 'run-gone'");
    assert.equal(Number(chunks.rows[0]?.count), 0, 'its text went too');
    assert.equal((await a.logs.read('run-gone', 0, true)).text, '');
  });
});
