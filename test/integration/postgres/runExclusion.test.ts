// Three replicas of a team server on one PostgreSQL database: the runs of a stack never overlap, never
// apply twice and never run out of order, across pauses longer than a replica's lease (SIGSTOP) and
// kills (the suite is in ../runExclusionSuite.ts).
import { LEASE_MS } from '../../../server/store/postgres/runLeases';
import { startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';
import { startTeamServer, writeSecretKey } from '../../support/teamServer';
import { exclusionSuite } from '../runExclusionSuite';

const keyFile = writeSecretKey(tempStore('stackhook-key-'));
let cluster: PostgresCluster | undefined;
let databaseUrl = '';

exclusionSuite({
  title: 'three replicas on one PostgreSQL database',
  processes: 3,
  // Past the lease: the others count the paused replica dead, and must still leave its stack alone.
  pauseMs: LEASE_MS + 6_000,
  async prepare() {
    cluster = await startPostgres();
    databaseUrl = await cluster.createDatabase('exclusion');
  },
  start: (bitbucketApi, env) => startTeamServer({ store: tempStore('stackhook-replica-'), databaseUrl, keyFile, args: ['--bitbucket-api', bitbucketApi, '--local-runner'], env, lifetimeMs: 15 * 60_000 }),
  async cleanUp() {
    await cluster?.stop();
  },
});
