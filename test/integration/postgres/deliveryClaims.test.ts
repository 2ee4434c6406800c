// R16 on PostgreSQL, at the level of the store: the first attempt of a delivery is recorded with its
// key in one statement, a later one is answered with it, one routed on a registry that has changed
// since is answered stale and recorded not at all, and keys are forgotten only after a week.
import { strict as assert } from 'node:assert';
import { Pool } from 'pg';
import type { ChangeChannel } from '../../../server/store/postgres/changeChannel';
import { PostgresDeliveryClaims } from '../../../server/store/postgres/deliveryClaims';
import { migrate } from '../../../server/store/postgres/migrations';
import { PostgresLog } from '../../../server/store/postgres/recordLog';
import { PostgresRegistry } from '../../../server/store/postgres/registry';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { changeChannelOf, clusterForSuite } from '../../support/postgres';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('PostgreSQL: delivery keys (R16)', function () {
  this.timeout(60_000);
  const cluster = clusterForSuite();

  async function open(name: string, now: () => number = Date.now) {
    const url = await cluster.createDatabase(name);
    const pool = new Pool({ connectionString: url, max: 4 });
    await migrate(pool);
    const channel: ChangeChannel = changeChannelOf(pool, url);
    const registry = await PostgresRegistry.open(pool, channel, 'test database', 'ana');
    const deliveries = new PostgresLog(pool, channel, 'deliveries', StoredDelivery, 1_000, ['deliveries'], true);
    await deliveries.load();
    cluster.closeAtEnd(async () => {
      await channel.close();
      await pool.end();
    });
    return { pool, registry, deliveries, claims: new PostgresDeliveryClaims(pool, deliveries, registry, now) };
  }

  const delivery = (id: string, reason = 'queued 0 runs'): StoredDelivery => ({
    id,
    integrationId: 'acme',
    eventKey: 'repo:push',
    repository: 'acme/net',
    verdict: 'ignored',
    reason,
    status: 200,
    stackIds: [],
    receivedAt: new Date().toISOString(),
    runs: [],
  });

  it('records the first attempt with its key and answers a later one with it; a stale routing records nothing', async () => {
    const { registry, deliveries, claims } = await open('keys');
    const state = await claims.routingState();
    assert.deepEqual(await claims.recordFirst(delivery('uuid-1', 'first'), state), { kind: 'recorded' });
    const again = await claims.recordFirst(delivery('uuid-1', 'second'), state);
    assert.equal(again.kind, 'taken');
    assert.equal(again.kind === 'taken' ? again.first?.reason : null, 'first', 'answered with the first attempt');
    await registry.update((draft) => draft.grants.push({ user: 'ben', spaceId: 'root', role: 'read' }));
    assert.deepEqual(await claims.recordFirst(delivery('uuid-2'), state), { kind: 'stale' }, 'routed on the revision before the change');
    assert.deepEqual(deliveries.all().map((entry) => entry.id), ['uuid-1'], 'only the first attempt is in the log');
    assert.deepEqual(await claims.recordFirst(delivery('uuid-2'), await registry.read()), { kind: 'recorded' }, 'routed again on the latest, it is recorded');
  });

  it('forgets a key only after a week, far past Bitbucket\'s retries', async () => {
    let now = Date.now();
    const { pool, claims } = await open('retention', () => now);
    await claims.recordFirst(delivery('uuid-old'), await claims.routingState());
    assert.equal(await claims.prune(), 0, 'a key of today is kept');
    now += 8 * DAY_MS;
    assert.equal(await claims.prune(), 1);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM accepted_deliveries');
    assert.equal(rows[0].n, 0);
  });
});
