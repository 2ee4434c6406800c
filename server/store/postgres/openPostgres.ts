// Opens the PostgreSQL store of a team server: one pool per replica, the migrations (under their
// advisory lock), and the registry, logs, delivery claims, users and sealed credentials on it.
import { Client, Pool } from 'pg';
import { describeError } from '../../errors';
import type { Logger } from '../../log';
import { displayUrl } from '../databaseUrl';
import { THIS_PROCESS } from '../processIdentity';
import { RUN_EVENTS_SIZE, RunEvent } from '../runEvents';
import { StoredDelivery } from '../storedDelivery';
import { StoredRun } from '../storedRun';
import type { LogSizes, StoreEngine } from '../storeEngine';
import { ChangeChannel } from './changeChannel';
import { PostgresCredentials } from './credentials';
import { PostgresDeliveryClaims } from './deliveryClaims';
import { migrate } from './migrations';
import { PostgresLog } from './recordLog';
import { PostgresRegistry } from './registry';
import { PostgresRunLeases } from './runLeases';
import { PostgresRunLogs } from './runLogs';
import { PostgresRunPlans } from './runPlans';
import { PostgresStackLocks } from './stackLocks';
import { PostgresUserDirectory } from './userDirectory';

export interface PostgresEngine extends StoreEngine {
  readonly registry: PostgresRegistry;
  readonly channel: ChangeChannel;
}

export async function openPostgres(url: string, firstUser: string, sizes: LogSizes, log: Logger): Promise<PostgresEngine> {
  const pool = new Pool({ connectionString: url, max: 10 });
  pool.on('error', (error) => log.warn(`A PostgreSQL connection failed: ${error.message}`));
  // A connection the database ends while it is checked out must fail its query, not the process.
  pool.on('connect', (client) => client.on('error', (error) => log.warn(`A PostgreSQL connection in use failed: ${error.message}`)));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = describeError(error);
    throw new Error(`Stackhook could not open its database ${displayUrl(url)}: ${reason}`);
  }
  const channel = new ChangeChannel(
    pool,
    async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    },
    (error) => log.warn(`Listening for other replicas' changes failed: ${error.message}`),
  );
  const registry = await PostgresRegistry.open(pool, channel, displayUrl(url), firstUser);
  const runs = new PostgresLog(pool, channel, 'runs', StoredRun, sizes.runs, ['runs']);
  const deliveries = new PostgresLog(pool, channel, 'deliveries', StoredDelivery, sizes.deliveries, ['deliveries', 'runs'], true);
  const refusals = new PostgresLog(pool, channel, 'refusals', StoredDelivery, sizes.refusals, ['deliveries']);
  const runEvents = new PostgresLog(pool, channel, 'run-events', RunEvent, RUN_EVENTS_SIZE, ['runs']);
  await Promise.all([runs.load(), deliveries.load(), refusals.load(), runEvents.load()]);
  const sharedRuns = new PostgresRunLeases(pool, runEvents, THIS_PROCESS, (error) => log.warn(`This replica's heartbeat failed: ${error.message}`));
  await sharedRuns.start();
  const stackLocks = new PostgresStackLocks(
    async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    },
    (error) => log.warn(`The connection holding this replica's stack locks failed: ${error.message}; the runs it held stop here, and any replica may take their stacks.`),
  );
  const runLogs = new PostgresRunLogs(pool, channel, { runs: runs.name, deliveries: deliveries.name }, sizes.runLogBytes, (error) => log.warn(error.message));
  return {
    registry,
    runs,
    deliveries,
    refusals,
    credentials: new PostgresCredentials(pool),
    users: new PostgresUserDirectory(pool, channel),
    deliveryRecorder: new PostgresDeliveryClaims(pool, deliveries, registry),
    channel,
    runClaims: sharedRuns,
    stackLocks,
    runLogs,
    runPlans: new PostgresRunPlans(pool),
    watchRecords(changed) {
      const logs = [runs, deliveries, refusals, runEvents];
      const ours = new Set<string>(logs.map((entry) => entry.origin));
      return channel.subscribe((notice) => {
        if (notice.kind !== 'records' || ours.has(notice.origin)) return;
        void Promise.all(logs.map((entry) => entry.refresh())).then(
          () => changed(notice.topics),
          () => undefined,
        );
      });
    },
    async close() {
      sharedRuns.stop();
      await stackLocks.close();
      await runLogs.close();
      await channel.close();
      await pool.end().catch(() => undefined);
    },
  };
}
