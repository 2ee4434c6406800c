// The team server's PostgreSQL tables on a private cluster: migrations under an advisory lock, a
// database newer than the server refused, and the user directory's behaviour as on the file engine.
import { strict as assert } from 'node:assert';
import { Pool } from 'pg';
import { PostgresCredentials } from '../../../server/store/postgres/credentials';
import { MIGRATIONS, migrate } from '../../../server/store/postgres/migrations';
import { PostgresUserDirectory } from '../../../server/store/postgres/userDirectory';
import type { ChangeChannel } from '../../../server/store/postgres/changeChannel';
import { changeChannelOf, startPostgres, type PostgresCluster } from '../../support/postgres';
import { userDirectoryBehaviour } from '../../support/userDirectoryBehaviour';

describe('PostgreSQL: the team tables', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  const pools: Pool[] = [];
  const channels: ChangeChannel[] = [];
  let databases = 0;
  const freshPool = async () => {
    const pool = new Pool({ connectionString: await cluster.createDatabase(`team_${(databases += 1)}`), max: 4 });
    pools.push(pool);
    return pool;
  };

  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    // The cluster's shutdown ends whatever connection a pool still holds; that is no failure of the test.
    for (const pool of pools) pool.on('error', () => undefined);
    await Promise.all(channels.map((channel) => channel.close()));
    await Promise.all(pools.map((pool) => pool.end()));
    await cluster?.stop();
  });

  it('replicas starting at once apply the migrations exactly once', async () => {
    const url = await cluster.createDatabase('migrations_race');
    const replicas = Array.from({ length: 5 }, () => new Pool({ connectionString: url, max: 1 }));
    pools.push(...replicas);
    assert.deepEqual(await Promise.all(replicas.map((pool) => migrate(pool))), replicas.map(() => MIGRATIONS.length));
    const { rows } = await replicas[0]!.query<{ version: number }>('SELECT version FROM stackhook_schema');
    assert.deepEqual(rows, [{ version: MIGRATIONS.length }]);
  });

  it('refuses a database that a newer Stackhook migrated, and changes nothing', async () => {
    const pool = await freshPool();
    await migrate(pool);
    await pool.query('UPDATE stackhook_schema SET version = $1', [MIGRATIONS.length + 1]);
    await assert.rejects(migrate(pool), new RegExp(`schema version ${MIGRATIONS.length + 1}, and this server knows versions up to ${MIGRATIONS.length}: a newer Stackhook has used it. Nothing was changed`));
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM stackhook_schema');
    assert.deepEqual(rows, [{ version: MIGRATIONS.length + 1 }]);
  });

  it('keeps credentials as the sealed strings it is given, and forgets them', async () => {
    const pool = await freshPool();
    await migrate(pool);
    const credentials = new PostgresCredentials(pool);
    await credentials.set('acme', 'aes-256-gcm:a.b.c');
    await credentials.set('acme', 'aes-256-gcm:d.e.f');
    assert.equal(await credentials.get('acme'), 'aes-256-gcm:d.e.f');
    await credentials.set('acme', null);
    assert.equal(await credentials.get('acme'), null);
  });

  userDirectoryBehaviour('PostgreSQL', async () => {
    const url = await cluster.createDatabase(`team_${(databases += 1)}`);
    // Two replicas: each its own pool on the one database.
    const replicas = [new Pool({ connectionString: url, max: 4 }), new Pool({ connectionString: url, max: 4 })] as const;
    pools.push(...replicas);
    await migrate(replicas[0]);
    // Each replica hears the others' revocations on a change channel of its own, as the server's do.
    const [first, second] = replicas.map((pool) => changeChannelOf(pool, url)) as [ChangeChannel, ChangeChannel];
    channels.push(first, second);
    return [new PostgresUserDirectory(replicas[0], first), new PostgresUserDirectory(replicas[1], second)];
  });
});
