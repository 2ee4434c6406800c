// Two `serve` processes on one file store: the runs of a stack never overlap, never apply twice and
// never run out of order, across pauses and kills (the suite is in runExclusionSuite.ts).
import { tempStore } from '../support/serverProcess';
import { startTeamServer, writeSecretKey } from '../support/teamServer';
import { exclusionSuite } from './runExclusionSuite';

const store = tempStore('stackhook-exclusion-');
const keyFile = writeSecretKey(tempStore('stackhook-key-'));

exclusionSuite({
  title: 'two processes on one file store',
  processes: 2,
  pauseMs: 6_000,
  start: (bitbucketApi, env) => startTeamServer({ store, keyFile, args: ['--bitbucket-api', bitbucketApi, '--local-runner'], env, lifetimeMs: 15 * 60_000 }),
});
