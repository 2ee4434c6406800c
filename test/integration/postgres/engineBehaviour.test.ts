import { Pool } from 'pg';
import { ChangeChannel } from '../../../server/store/postgres/changeChannel';
import { migrate } from '../../../server/store/postgres/migrations';
import { PostgresLog } from '../../../server/store/postgres/recordLog';
import { PostgresRegistry } from '../../../server/store/postgres/registry';
import { PostgresRunLogs } from '../../../server/store/postgres/runLogs';
import { PostgresRunPlans } from '../../../server/store/postgres/runPlans';
import { changeChannelOf, startPostgres, type PostgresCluster } from '../../support/postgres';
import { Entry, RUN_LOG_CAP, RUN_PLANS_KEPT_IN_TESTS, storeBehaviour } from '../../support/storeBehaviour';

describe('PostgreSQL store engine', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let databases = 0;
  const opened = new Map<object, { pools: Pool[]; channels: ChangeChannel[]; runLogs: PostgresRunLogs[] }>();
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.stop());

  storeBehaviour(
    'PostgreSQL',
    async () => {
      const url = await cluster.createDatabase(`engine_${(databases += 1)}`);
      // Two replicas: each its own pool and listening connection.
      const pools = [new Pool({ connectionString: url, max: 4 }), new Pool({ connectionString: url, max: 4 })];
      await Promise.all(pools.map((pool) => migrate(pool)));
      const channels = pools.map((pool) => changeChannelOf(pool, url));
      const registries = await Promise.all(pools.map((pool, i) => PostgresRegistry.open(pool, channels[i] as ChangeChannel, 'test database', 'ana')));
      const logs = pools.map((pool, i) => new PostgresLog(pool, channels[i] as ChangeChannel, 'entries', Entry, 1_000, ['runs']));
      await Promise.all(logs.map((log) => log.load()));
      const runLogs = pools.map((pool, i) => new PostgresRunLogs(pool, channels[i] as ChangeChannel, { runs: 'runs', deliveries: 'deliveries' }, RUN_LOG_CAP));
      const handles = {
        registries: registries as [PostgresRegistry, PostgresRegistry],
        logs: logs as [PostgresLog<typeof Entry>, PostgresLog<typeof Entry>],
        runLogs: runLogs as [PostgresRunLogs, PostgresRunLogs],
        runPlans: pools.map((pool) => new PostgresRunPlans(pool, RUN_PLANS_KEPT_IN_TESTS)) as [PostgresRunPlans, PostgresRunPlans],
      };
      opened.set(handles, { pools, channels, runLogs });
      return handles;
    },
    async (handles) => {
      const { pools, channels, runLogs } = opened.get(handles) as { pools: Pool[]; channels: ChangeChannel[]; runLogs: PostgresRunLogs[] };
      await Promise.all(runLogs.map((logs) => logs.close()));
      await Promise.all(channels.map((channel) => channel.close()));
      await Promise.all(pools.map((pool) => pool.end()));
    },
  );
});
