// Runs on replicas that share a database: of replicas that claim one run at once exactly one gets it,
// and a run whose replica stopped beating (it died) is taken over by another once its lease runs out.
import { strict as assert } from 'node:assert';
import { Client, Pool } from 'pg';
import { QueuedRun } from '../../../server/protocol';
import { RunBook } from '../../support/fileEngine';
import { RunEvent } from '../../../server/store/runEvents';
import { ChangeChannel } from '../../../server/store/postgres/changeChannel';
import { migrate } from '../../../server/store/postgres/migrations';
import { PostgresLog } from '../../../server/store/postgres/recordLog';
import { HEARTBEAT_MS, LEASE_MS, PostgresRunLeases } from '../../../server/store/postgres/runLeases';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { clusterForSuite } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';

describe('PostgreSQL: run claims and leases across replicas', function () {
  this.timeout(120_000);
  const cluster = clusterForSuite();

  async function replica(url: string, owner: string, logSize = 1_000) {
    const pool = new Pool({ connectionString: url, max: 4 });
    // The cluster's shutdown ends the connections the pool keeps; that is no failure of the test.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    await migrate(pool);
    const channel = new ChangeChannel(pool, async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    }, () => undefined);
    const runs = new PostgresLog(pool, channel, 'runs', QueuedRun, logSize, ['runs']);
    const deliveries = new PostgresLog(pool, channel, 'deliveries', StoredDelivery, 1_000, ['deliveries']);
    const events = new PostgresLog(pool, channel, 'run-events', RunEvent, 1_000, ['runs']);
    await Promise.all([runs.load(), deliveries.load(), events.load()]);
    const leases = new PostgresRunLeases(pool, events, owner);
    await leases.start();
    const book = new RunBook(tempStore('stackhook-lease-'), runs, deliveries, () => undefined, undefined, leases);
    await book.load();
    cluster.closeAtEnd(async () => {
      leases.stop();
      await channel.close();
      await pool.end();
    });
    return { book, runs, leases };
  }

  const queued = (id: string): QueuedRun => ({ id, stackId: 'net', kind: 'tracked', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: new Date().toISOString() });

  it('of two replicas claiming one run at once, exactly one gets it', async () => {
    const url = await cluster.createDatabase('claims');
    const [a, b] = await Promise.all([replica(url, 'host-a:1:x'), replica(url, 'host-b:1:y')]);
    await a.runs.append([queued('run-1')]);
    await b.book.refresh();
    const claims = await Promise.all([a.book.claim('run-1', 'host-a:1:x'), b.book.claim('run-1', 'host-b:1:y')]);
    assert.deepEqual(claims.filter((claim) => claim.accepted).length, 1, `claims: ${claims.map((claim) => claim.accepted).join(', ')}`);
    await Promise.all([a.book.refresh(), b.book.refresh()]);
    assert.equal(a.book.record('run-1')?.owner, b.book.record('run-1')?.owner, 'both replicas see the same owner');
  });

  it('runs queued after the log is full are still known and claimed: the book sees past the log\'s bound', async () => {
    const url = await cluster.createDatabase('bounded');
    const a = await replica(url, 'host-a:4:x', 3);
    for (let i = 1; i <= 12; i++) {
      await a.runs.append([queued(`run-full-${i}`)]);
      assert.ok((await a.book.claim(`run-full-${i}`, 'host-a:4:x')).accepted, `run-full-${i} is claimed`);
    }
    assert.ok(a.runs.all().length <= 6, `the log keeps a bounded number of runs (${a.runs.all().length})`);
  });

  it('many claims at once in one replica all finish and all count', async () => {
    const url = await cluster.createDatabase('many_claims');
    const a = await replica(url, 'host-a:3:x');
    const ids = Array.from({ length: 20 }, (_, i) => `run-3-${i}`);
    await a.runs.append(ids.map(queued));
    const claims = await Promise.race([
      Promise.all(ids.map((id) => a.book.claim(id, 'host-a:3:x'))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the claims are stuck')), 20_000)),
    ]);
    assert.deepEqual(claims.map((claim) => claim.accepted), ids.map(() => true));
  });

  it('a replica that started since another last beat is alive to it at once: its first runs are not taken from it', async () => {
    const url = await cluster.createDatabase('newcomer');
    const a = await replica(url, 'host-a:4:x');
    const c = await replica(url, 'host-c:4:z');
    await c.runs.append([queued('run-4')]);
    assert.equal((await c.book.claim('run-4', 'host-c:4:z')).accepted, true);
    await a.book.refresh();
    assert.equal(a.book.ownerAlive('host-c:4:z'), true, 'A has not beaten since C started, and does not count C dead');
  });

  it('a replica that stops beating is dead to the others once its lease runs out: its claims can then be taken over', async () => {
    const url = await cluster.createDatabase('leases');
    const [a, b] = await Promise.all([replica(url, 'host-a:2:x'), replica(url, 'host-b:2:y')]);
    await a.runs.append([queued('run-2')]);
    assert.equal((await a.book.claim('run-2', 'host-a:2:x')).accepted, true);
    await b.book.refresh();
    // Replicas learn who is alive at their own beats.
    const seen = Date.now() + 3 * HEARTBEAT_MS;
    while (!b.book.ownerAlive('host-a:2:x') && Date.now() < seen) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(b.book.ownerAlive('host-a:2:x'), true, 'a beating replica is alive, though on another host');
    a.leases.stop(); // as if SIGKILLed: no more heartbeats
    const deadline = Date.now() + LEASE_MS + 10_000;
    while (b.book.ownerAlive('host-a:2:x') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(b.book.ownerAlive('host-a:2:x'), false, 'its lease ran out');
    assert.equal((await b.book.claim('run-2', 'host-b:2:y')).accepted, true, 'the other replica takes the run over');
    assert.equal((await a.book.write('run-2', { fence: 1, state: 'running' })).accepted, false, 'the replica it was taken from records nothing more');
    await a.book.refresh();
    assert.equal(a.book.record('run-2')?.owner, 'host-b:2:y');
  });
});
