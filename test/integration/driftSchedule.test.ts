// Two `serve` processes on one file store run each drift-check slot once (the suite is in
// driftScheduleSuite.ts).
import { tempStore } from '../support/serverProcess';
import { startTeamServer, writeSecretKey } from '../support/teamServer';
import { driftScheduleSuite } from './driftScheduleSuite';

const store = tempStore('stackhook-drift-');
const keyFile = writeSecretKey(tempStore('stackhook-key-'));

driftScheduleSuite({
  title: 'two processes on one file store',
  start: (bitbucketApi, env) => startTeamServer({ store, keyFile, args: ['--bitbucket-api', bitbucketApi, '--local-runner'], env, lifetimeMs: 10 * 60_000 }),
});
