// Following a `pipelines` run (docs/design.md R22) through the built server against the fake
// Bitbucket executing real bitbucket-pipelines.yml files: log lines appear in the run's log before
// the pipeline ends and the steps are the run's progress; Cancel stops the plan pipeline and the
// apply pipeline; a pipeline that waits too long in the queue and a step that reaches the step limit
// (on the fake's scaled clock) fail the run saying which; a server killed while the apply pipeline
// runs is replaced by one that follows it again and still answers its callback.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket, type FakePipeline } from '../support/fakeBitbucket';
import { fixtureFiles, standinRecords } from '../support/standinTofu';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { eventually } from './receiverSupport';
import { RUN_ENV, runWatch } from './runSupport';
import { freePort, PLAN_CASE, SUGGESTED_YAML, toolsFolder } from './pipelinesEngineSupport';

const TOKEN = 'ATATT3xFfGF0-following-token-9e0b7d';
/** The fake's minute here: Bitbucket's 120-minute step limit is 12 s, and so is Stackhook's. */
const MINUTE_MS = 100;
const STEP_LIMIT_MS = 120 * MINUTE_MS;
const QUEUE_LIMIT_MS = 3_000;

const TICKS_YAML = `pipelines:
  custom:
    stackhook:
      - step:
          name: Ticks
          script:
            - for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.4; done
    stackhook-apply:
      - step:
          name: Apply
          script:
            - echo applied
`;
const HANG_YAML = `pipelines:
  custom:
    stackhook:
      - step:
          name: Hang
          script:
            - sleep 60
    stackhook-apply:
      - step:
          script:
            - echo never
`;

describe('following a pipelines run: live logs, progress, limits, cancel, restart (R22)', function () {
  this.timeout(180_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;
  let port: number;
  let store: string;

  const { run, logOf, waitFor } = runWatch(() => server);
  const pipelinesOf = (repository: string, runId: string): FakePipeline[] =>
    (bitbucket.world.repository(repository)?.pipelines ?? []).filter((p) => p.variables.some((v) => v.key === 'STACKHOOK_RUN_ID' && v.value === runId));
  const start = async () => {
    server = await startServer({
      store,
      args: ['--bitbucket-api', bitbucket.url, '--public-url', `http://127.0.0.1:${port}`, '--listen', `127.0.0.1:${port}`],
      env: { ...RUN_ENV, STACKHOOK_PIPELINE_QUEUE_LIMIT_MS: String(QUEUE_LIMIT_MS), STACKHOOK_PIPELINE_STEP_LIMIT_MS: String(STEP_LIMIT_MS) },
    });
  };
  const stackOn = (name: string, repository: string) =>
    server.request(Protocol.StacksCreate, { name, spaceId: 'root', integrationId: 'acme-main', repository, branch: 'main', projectRoot: 'envs/prod', runner: { type: 'pipelines', pipeline: 'stackhook' } });

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    const tools = toolsFolder([PLAN_CASE]);
    for (const [repository, yaml] of [
      ['acme/ticks', TICKS_YAML],
      ['acme/hang', HANG_YAML],
      ['acme/infra', SUGGESTED_YAML],
    ] as const) {
      bitbucket.world.addRepository(repository);
      bitbucket.world.executePipelines(repository, { path: [tools], minuteMs: MINUTE_MS });
      bitbucket.pushCommit(repository, 'main', { 'bitbucket-pipelines.yml': yaml, ...fixtureFiles(PLAN_CASE, 'envs/prod') });
    }
    port = await freePort();
    await start();
    store = server.store;
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await stackOn('ticks', 'acme/ticks');
    await stackOn('hang', 'acme/hang');
    await stackOn('infra', 'acme/infra');
  });

  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });

  it('R22: a step\'s log lines reach the run\'s log while the pipeline still runs, and the steps are the run\'s progress', async () => {
    const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'ticks' });
    let sawProgress = '';
    await eventually(async () => {
      const current = await run(runId);
      if (current.progress) sawProgress = current.progress;
      return /tick 2/.test(await logOf(runId));
    }, 'the first ticks in the run\'s log', 20_000);
    const [pipeline] = pipelinesOf('acme/ticks', runId);
    assert.notEqual(pipeline?.execution?.state, 'COMPLETED', 'the pipeline had not ended when its lines were in the run\'s log');
    assert.doesNotMatch(await logOf(runId), /tick 10/);
    const done = await waitFor(runId, ['finished', 'failed']);
    assert.equal(done.state, 'finished', done.summary ?? '');
    assert.equal(sawProgress, 'Ticks: running');
    assert.equal(done.progress ?? null, null, 'no progress once it ended');
    const log = await logOf(runId);
    for (let tick = 1; tick <= 10; tick++) assert.equal(log.split(`tick ${tick}\n`).length - 1, 1, `tick ${tick} once in the log`);
  });

  it('R22: Cancel during the plan stops the plan pipeline', async () => {
    const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'ticks' });
    await eventually(async () => /tick 1/.test(await logOf(runId)), 'the plan to be running', 20_000);
    await server.request(Protocol.RunsCancel, { runId });
    const done = await waitFor(runId, ['stopped', 'finished', 'failed']);
    assert.equal(done.state, 'stopped');
    assert.equal(pipelinesOf('acme/ticks', runId)[0]?.execution?.result, 'STOPPED');
  });

  it('R22: a pipeline that waits in Bitbucket\'s queue past the limit is stopped and fails the run with that reason', async () => {
    const settings = bitbucket.world.executePipelines('acme/ticks', { path: bitbucket.world.repository('acme/ticks')?.pipelineExecution?.path ?? [], minuteMs: MINUTE_MS, queueDelayMs: 60_000 });
    try {
      const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'ticks' });
      const done = await waitFor(runId, ['failed', 'finished', 'stopped'], 30_000);
      assert.equal(done.state, 'failed');
      assert.match(done.summary ?? '', /waited in Bitbucket's queue for more than 3 s/);
      await eventually(() => pipelinesOf('acme/ticks', runId)[0]?.execution?.result === 'STOPPED', 'the pipeline to be stopped');
    } finally {
      settings.queueDelayMs = 0;
    }
  });

  it('R22: a step that reaches Bitbucket\'s step limit (120 minutes, on the fake\'s clock) fails the run with that reason', async () => {
    const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'hang' });
    const done = await waitFor(runId, ['failed', 'finished', 'stopped'], 60_000);
    assert.equal(done.state, 'failed');
    assert.match(done.summary ?? '', /the step Hang reached Bitbucket's limit of 12 s for a step/);
  });

  it('R22: Cancel during the apply stops the apply pipeline', async () => {
    const settings = bitbucket.world.repository('acme/infra')?.pipelineExecution;
    assert.ok(settings);
    const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'infra' });
    await waitFor(runId, ['unconfirmed']);
    settings.queueDelayMs = 1_500;
    try {
      await server.request(Protocol.RunsConfirm, { runId });
      await eventually(() => pipelinesOf('acme/infra', runId).length === 2, 'the apply pipeline', 20_000);
      await server.request(Protocol.RunsCancel, { runId });
      const done = await waitFor(runId, ['stopped', 'finished', 'failed']);
      assert.equal(done.state, 'stopped');
      await eventually(() => pipelinesOf('acme/infra', runId)[1]?.execution?.result === 'STOPPED', 'the apply pipeline to be stopped');
    } finally {
      settings.queueDelayMs = 0;
    }
  });

  it('R22: a server killed while the apply pipeline waits is replaced by one that follows it again and still answers its callback', async () => {
    const settings = bitbucket.world.repository('acme/infra')?.pipelineExecution;
    assert.ok(settings);
    const { id: runId } = await server.request(Protocol.StacksTriggerRun, { stackId: 'infra' });
    const planned = await waitFor(runId, ['unconfirmed']);
    settings.queueDelayMs = 2_500;
    try {
      await server.request(Protocol.RunsConfirm, { runId });
      // Killed once the apply pipeline is recorded with the run (its page is the run's link).
      await eventually(async () => (await run(runId)).externalUrl !== planned.externalUrl, 'the apply pipeline to be recorded', 20_000);
      server.process.kill('SIGKILL');
      await new Promise((resolve) => server.process.once('exit', resolve));
      server.connection.dispose();
      await start();
      const done = await waitFor(runId, ['finished', 'failed', 'stopped'], 60_000);
      assert.equal(done.state, 'finished', `${done.summary}: ${await logOf(runId)}`);
      const log = await logOf(runId);
      assert.match(log, /Taken over by .* from /);
      assert.match(log, /Following pipeline .* again/);
      const records = standinRecords(log);
      const written = records.find((record) => record.argv[0] === 'plan')?.planFile?.sha256;
      assert.ok(written);
      assert.equal(records.find((record) => record.argv[0] === 'apply')?.planFile?.sha256, written, 'the apply fetched the plan file from the new server');
      assert.equal(pipelinesOf('acme/infra', runId).length, 2, 'nothing triggered twice');
    } finally {
      settings.queueDelayMs = 0;
    }
  });
});
