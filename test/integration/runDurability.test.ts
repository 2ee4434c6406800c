// Runs survive a crash: SIGKILL the server mid-run, start it again on the same store. A pipeline is
// followed again to its end (never triggered twice); a local run is marked interrupted, its command
// ended and its build status set to STOPPED. Two servers starting on one store take a run once.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { statusKey } from '../../server/runs/reporters/buildStatus';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { eventually } from './receiverSupport';
import { PIPELINES_YAML, processesWith, RUN_ENV, uniqueMarker } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-durable-token-51c2';

describe('runs across a crash (SIGKILL) and a restart', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let head: string;
  const servers: ServerHandle[] = [];
  const start = async (store?: string) => {
    const server = await startServer({ ...(store ? { store } : {}), args: ['--bitbucket-api', bitbucket.url], env: RUN_ENV });
    servers.push(server);
    return server;
  };
  const settled = (run: Protocol.Run) => ['finished', 'failed', 'stopped'].includes(run.state) && run.reports.status !== 'pending';

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    head = bitbucket.pushCommit('acme/network', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML });
  });
  after(async () => {
    for (const server of servers) await server.stop().catch(() => undefined);
    await bitbucket?.stop();
  });

  async function crashMidRun(runner: Protocol.Runner, busy: (server: ServerHandle, run: Protocol.Run) => Promise<boolean>) {
    const first = await start();
    await first.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await first.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', runner });
    const queued = await first.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    await eventually(async () => busy(first, await first.request(Protocol.RunsGet, { runId: queued.id })), 'the run to be under way', 20_000);
    first.process.kill('SIGKILL');
    await eventually(() => first.process.exitCode !== null || first.process.signalCode !== null, 'the server to die');
    return { store: first.store, runId: queued.id };
  }

  it('pipelines: the restarted server follows the same pipeline to its end; two servers on the store take it once', async () => {
    const repository = bitbucket.world.repository('acme/network');
    if (repository) repository.pipelineScript = { ...repository.pipelineScript, durationMs: 2_500 };
    const before = repository?.pipelines.length ?? 0;
    const { store, runId } = await crashMidRun({ type: 'pipelines', pipeline: 'stackhook' }, async (_server, run) => run.state === 'running');
    // Two servers start at once on the store: both look for runs to recover, one takes it.
    const [second, third] = await Promise.all([start(store), start(store)]);
    await eventually(async () => settled(await second.request(Protocol.RunsGet, { runId })), 'the run to finish after the restart', 30_000);
    const done = await third.request(Protocol.RunsGet, { runId });
    assert.equal(done.state, 'finished', done.summary ?? '');
    assert.equal((repository?.pipelines.length ?? 0) - before, 1, 'the pipeline was triggered once');
    const status = repository?.statuses.get(head)?.get(statusKey('net', 'tracked'));
    assert.equal(status?.state, 'SUCCESSFUL');
    assert.equal(status?.history.filter((state) => state === 'SUCCESSFUL').length, 1, 'the ending was reported once');
    const log = await second.request(Protocol.RunsLog, { runId });
    assert.equal(log.text.match(/Following pipeline/g)?.length, 1, 'one server took the run over');
  });

  it('local: the restarted server marks the run failed (interrupted), its command has ended, STOPPED is on the commit', async () => {
    const marker = uniqueMarker('interrupted');
    const sleeper = [process.execPath, '-e', `console.log('working ' + process.pid); setTimeout(() => {}, 60000) // ${marker}`];
    const { store, runId } = await crashMidRun({ type: 'local', plan: sleeper, apply: null }, async (server, run) =>
      run.state === 'running' && /working \d+/.test((await server.request(Protocol.RunsLog, { runId: run.id })).text),
    );
    const second = await start(store);
    await eventually(async () => settled(await second.request(Protocol.RunsGet, { runId })), 'the run to be marked', 20_000);
    const done = await second.request(Protocol.RunsGet, { runId });
    assert.equal(done.state, 'failed');
    assert.match(done.summary ?? '', /^interrupted/);
    assert.equal(bitbucket.world.repository('acme/network')?.statuses.get(head)?.get(statusKey('net', 'tracked'))?.state, 'STOPPED');
    await eventually(() => processesWith(marker).length === 0, 'the command the crashed server left to end');
  });

  it('Confirm asked of another server on the store reaches the one that runs the run', async () => {
    const printing = (line: string) => [process.execPath, '-e', `console.log(${JSON.stringify(line)})`];
    const first = await start();
    await first.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await first.request(Protocol.StacksCreate, {
      name: 'net',
      spaceId: 'root',
      integrationId: 'acme-main',
      repository: 'acme/network',
      branch: 'main',
      runner: { type: 'local', plan: printing('Plan: 1 to add, 0 to change, 0 to destroy.'), apply: printing('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.') },
    });
    const queued = await first.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    await eventually(async () => (await first.request(Protocol.RunsGet, { runId: queued.id })).state === 'unconfirmed', 'the run to wait for confirmation', 20_000);
    const second = await start(first.store);
    await second.request(Protocol.RunsConfirm, { runId: queued.id });
    await eventually(async () => settled(await first.request(Protocol.RunsGet, { runId: queued.id })), 'the run to apply and end', 20_000);
    const done = await second.request(Protocol.RunsGet, { runId: queued.id });
    assert.equal(done.state, 'finished');
    assert.equal(done.summary, 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
  });
});
