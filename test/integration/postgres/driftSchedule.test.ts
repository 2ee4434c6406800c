// Two replicas of a team server on one PostgreSQL database run each drift-check slot once (the
// suite is in ../driftScheduleSuite.ts).
import { startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';
import { startTeamServer, writeSecretKey } from '../../support/teamServer';
import { driftScheduleSuite } from '../driftScheduleSuite';

const keyFile = writeSecretKey(tempStore('stackhook-key-'));
let cluster: PostgresCluster | undefined;
let databaseUrl = '';

driftScheduleSuite({
  title: 'two replicas on one PostgreSQL database',
  async prepare() {
    cluster = await startPostgres();
    databaseUrl = await cluster.createDatabase('drift');
  },
  start: (bitbucketApi, env) => startTeamServer({ store: tempStore('stackhook-replica-'), databaseUrl, keyFile, args: ['--bitbucket-api', bitbucketApi, '--local-runner'], env, lifetimeMs: 10 * 60_000 }),
  async cleanUp() {
    await cluster?.stop();
  },
});
