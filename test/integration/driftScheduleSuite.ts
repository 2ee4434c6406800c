// Drift checks on a schedule, driven by a clock file every process reads (STACKHOOK_CLOCK_FILE), so
// nothing waits for a real hour: a stack whose repository holds the drift fixture
// (../shared/fixtures/terraform/opentofu-show-json/drift/) and the stand-in `tofu`, behind a wrapper
// that logs each command's own start and end (test/support/stepLog.ts). With two processes on one
// store: each slot's check runs once, marks the stack drifted with the right resource, masked values
// and all, posts the build status, and says newly drifted once; `reconcile: "propose"` queues one
// tracked run that waits for Confirm; slots missed while every process was down run once at start-up
// (R26–R29). Run by driftSchedule.test.ts (files) and postgres/driftSchedule.test.ts.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { tempStore } from '../support/serverProcess';
import { fixtureFiles, standinFiles } from '../support/standinTofu';
import { startStepLog, type StepLog } from '../support/stepLog';
import { connectEditor, userWithToken, type TeamEditor, type TeamServer } from '../support/teamServer';
import { eventually } from './receiverSupport';
import { RUN_ENV } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-drift-token-71c4';
const CASE = 'opentofu-show-json/drift';
const FINAL = ['finished', 'failed', 'stopped', 'discarded'];
const HOUR = 60 * 60_000;

/**
 * bin/logged-tofu: tells the step log its start and end (with the run and stack from its
 * environment), runs bin/tofu with its arguments (a plan first inits, as the runner's commands do
 * not), and exits as it did. The step log's address is written into it: a sandboxed run shares the
 * network, not the test's files.
 */
function loggedTofu(url: string): string {
  return `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const args = process.argv.slice(2);
const tofu = path.join(__dirname, 'tofu');
const base = { step: args[0], run: process.env.STACKHOOK_RUN_ID, stack: process.env.STACKHOOK_STACK, pid: process.pid };
const send = (kind) => fetch(${JSON.stringify(url)}, { method: 'POST', body: JSON.stringify({ ...base, kind, at: Date.now() }) }).catch(() => undefined);
(async () => {
  await send('start');
  if (args[0] === 'plan' && !args.includes('-refresh-only')) spawnSync(tofu, ['init', '-input=false'], { stdio: 'inherit' });
  const result = spawnSync(tofu, args, { stdio: 'inherit' });
  await send('end');
  process.exit(result.status === null ? 1 : result.status);
})();
`;
}

export interface DriftSuiteOptions {
  title: string;
  start(bitbucketApi: string, env: NodeJS.ProcessEnv): Promise<TeamServer>;
  prepare?(): Promise<void>;
  cleanUp?(): Promise<void>;
}

export function driftScheduleSuite(options: DriftSuiteOptions): void {
  describe(`drift checks on a schedule, ${options.title} (R26–R29)`, function () {
    this.timeout(240_000);
    let bitbucket: FakeBitbucket;
    let steps: StepLog;
    let servers: TeamServer[] = [];
    let editor: TeamEditor;
    let token = '';
    let clock = Date.now();
    const clockFile = path.join(tempStore('stackhook-clock-'), 'now');
    const setClock = (at: number) => {
      clock = at;
      writeFileSync(clockFile, `${new Date(at).toISOString()}\n`);
    };
    const env = { ...RUN_ENV, STACKHOOK_CLOCK_FILE: clockFile, STACKHOOK_DRIFT_TICK_MS: '100' };
    const startAll = async (count: number) => {
      servers = [];
      for (let i = 0; i < count; i++) servers.push(await options.start(bitbucket.url, env));
      editor = await connectEditor((servers[0] as TeamServer).url, token || (token = await userWithToken(servers[0] as TeamServer, 'ana', true)));
    };
    const stopAll = async () => {
      await editor?.close().catch(() => undefined);
      for (const server of servers) await server.stop();
    };
    const runsOf = async (kind: string, trigger?: string) =>
      (await editor.request(Protocol.RunsList, { stackId: 'infra', limit: 100 })).filter((run) => run.kind === kind && (trigger === undefined || run.trigger === trigger));
    const checksEnded = async (count: number) => {
      await eventually(async () => {
        const checks = await runsOf('drift', 'schedule');
        return checks.length >= count && checks.every((run) => FINAL.includes(run.state));
      }, `${count} scheduled drift checks to end`, 60_000);
      // A little longer: a second process that wrongly claimed the same slot would have queued by now.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return runsOf('drift', 'schedule');
    };
    /** The next whole hour after the clock: the slot an hourly schedule names. */
    const nextHour = () => Math.floor(clock / HOUR) * HOUR + HOUR;

    before(async () => {
      steps = await startStepLog();
      bitbucket = await startFakeBitbucket();
      bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
      bitbucket.world.addRepository('acme/infra');
      bitbucket.pushCommit('acme/infra', 'main', { ...fixtureFiles(CASE), ...standinFiles([CASE]), 'bin/logged-tofu': loggedTofu(steps.url) });
      await options.prepare?.();
      setClock(Date.now());
      await startAll(2);
      await editor.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
      await editor.request(Protocol.StacksCreate, {
        name: 'infra',
        spaceId: 'root',
        integrationId: 'acme-main',
        repository: 'acme/infra',
        branch: 'main',
        runner: { type: 'local', plan: ['bin/logged-tofu', 'plan', '-input=false', '-no-color'], apply: ['bin/logged-tofu', 'apply', '-input=false', '-auto-approve'] },
        driftSchedule: { cron: '0 * * * *', timeZone: 'UTC' },
        reconcile: 'propose',
      });
    });
    after(async () => {
      await stopAll();
      await options.cleanUp?.();
      await bitbucket?.stop();
      await steps?.stop();
    });

    it('R27: nothing is checked before the first slot after the schedule was set', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.deepEqual(await runsOf('drift'), []);
      const [stack] = await editor.request(Protocol.StacksList, {});
      assert.equal(stack?.drift, null);
    });

    it('R26, R27, R29: the slot\'s check runs once across the processes, marks the stack drifted with the right resource, posts its status and says newly drifted', async () => {
      setClock(nextHour());
      const [check] = await checksEnded(1);
      assert.ok(check);
      assert.equal((await runsOf('drift', 'schedule')).length, 1, 'one check for the slot, whichever process claimed it');
      assert.equal(check.state, 'finished', check.summary ?? '');
      assert.match(check.summary ?? '', /^drifted: 1 resource/);
      const found = await editor.request(Protocol.RunsDrift, { runId: check.id });
      assert.ok(found);
      assert.equal(found.state, 'drifted');
      assert.equal(found.newlyDrifted, true);
      assert.deepEqual(found.resources.map((resource) => [resource.address, resource.action]), [['test_instance.should_refresh', 'update']]);
      assert.deepEqual([found.resources[0]?.before, found.resources[0]?.after], [{ ami: 'refresh-me', id: 'placeholder' }, { ami: 'refreshed', id: 'placeholder' }]);
      const [stack] = await editor.request(Protocol.StacksList, {});
      assert.deepEqual([stack?.drift?.state, stack?.drift?.resources, stack?.drift?.runId], ['drifted', 1, check.id]);
      const status = bitbucket.world.repository('acme/infra')?.statuses.get(check.commit as string)?.get('stackhook-drift-infra');
      assert.equal(status?.state, 'FAILED', 'the drift status on the branch head fails while the stack has drifted');
      assert.match(status?.description ?? '', /drifted: 1 resource/);
      const counts = (await editor.request(Protocol.Status, {})).counts;
      assert.equal(counts.driftedStacks, 1);
      // Each of the check's commands ran once, never applied, and nothing of the stack overlapped.
      assert.equal(steps.starts('plan', 'infra').get(check.id), 1);
      assert.equal(steps.starts('show', 'infra').get(check.id), 1);
      assert.equal(steps.starts('apply', 'infra').get(check.id), undefined);
      assert.deepEqual(steps.overlaps('infra'), []);
    });

    it('R28: reconcile "propose" queued one tracked run that waits for Confirm', async () => {
      await eventually(async () => (await runsOf('tracked', 'drift'))[0]?.state === 'unconfirmed', 'the reconcile run to wait for Confirm', 60_000);
      const proposed = await runsOf('tracked', 'drift');
      assert.equal(proposed.length, 1);
      assert.equal(steps.starts('apply', 'infra').get(proposed[0]?.id as string), undefined, 'nothing applied without a Confirm');
    });

    it('R29: a second check that finds the same drift is not newly drifted, and proposes nothing again', async () => {
      // The proposal waiting for Confirm is the stack's run in flight: checks wait behind it (R27).
      const waiting = (await runsOf('tracked', 'drift'))[0] as Protocol.Run;
      await editor.request(Protocol.RunsDiscard, { runId: waiting.id });
      setClock(nextHour());
      const checks = await checksEnded(2);
      assert.equal(checks.length, 2, 'one check per slot');
      const second = await editor.request(Protocol.RunsDrift, { runId: (checks[0] as Protocol.Run).id });
      assert.equal(second?.state, 'drifted');
      assert.equal(second?.newlyDrifted, false, 'the same drift is not told again');
      assert.equal((await runsOf('tracked', 'drift')).length, 1, 'no second proposal for the same drift');
      assert.deepEqual(steps.overlaps('infra'), []);
    });

    it('R27: slots missed while every process was down run once at start-up', async () => {
      await stopAll();
      setClock(nextHour() + 4 * HOUR + 20 * 60_000);
      await startAll(2);
      const checks = await checksEnded(3);
      assert.equal(checks.length, 3, 'five missed slots ran as one check');
      assert.deepEqual(steps.overlaps('infra'), []);
    });
  });
}
