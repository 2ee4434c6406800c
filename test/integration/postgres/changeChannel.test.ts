// A replica keeps hearing the others when its listening connection is lost (the database restarted,
// a proxy dropped it): it listens again, and tells its listeners that notices may have been missed.
import { strict as assert } from 'node:assert';
import { Pool } from 'pg';
import type { Notice } from '../../../server/store/postgres/changeChannel';
import { changeChannelOf, startPostgres, type PostgresCluster } from '../../support/postgres';

async function eventually(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('PostgreSQL: the change channel', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.stop());

  it('listens again after its connection is cut, says notices may have been missed, and hears the next ones', async () => {
    const url = await cluster.createDatabase('channel');
    const pool = new Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
    const channel = changeChannelOf(pool, url);
    const heard: Notice[] = [];
    channel.subscribe((notice) => heard.push(notice));
    try {
      const listener = async () =>
        (await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN stackhook_changed' AND pid <> pg_backend_pid()")).rows;
      const deadline = Date.now() + 10_000;
      while ((await listener()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      await channel.notify({ kind: 'records', origin: 'other-replica', topics: ['runs'] });
      await eventually(() => heard.some((notice) => notice.origin === 'other-replica'), 'the first notice');

      const [first] = await listener();
      assert.ok(first, 'one connection listens');
      await pool.query('SELECT pg_terminate_backend($1)', [first.pid]);
      await eventually(() => heard.some((notice) => notice.origin === 'stackhook.listening-again' && notice.kind === 'registry'), 'the notice that some may have been missed');
      assert.ok(heard.some((notice) => notice.origin === 'stackhook.listening-again' && notice.kind === 'records'));
      assert.ok(heard.some((notice) => notice.origin === 'stackhook.listening-again' && notice.kind === 'tokens'), 'a revocation may have been missed too');
      const [again] = await listener();
      assert.ok(again && again.pid !== first.pid, 'a new connection listens');
      await channel.notify({ kind: 'registry', origin: 'other-replica-later', topics: ['stacks'] });
      await eventually(() => heard.some((notice) => notice.origin === 'other-replica-later'), 'a notice sent after listening again');
    } finally {
      await channel.close();
      await pool.end();
    }
  });
});
