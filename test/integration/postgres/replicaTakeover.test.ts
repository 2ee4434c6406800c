// Two real `serve` replicas on one PostgreSQL database and a fake Bitbucket whose pipeline stays in
// progress: replica A accepts a push and starts the run's pipeline, A is SIGKILLed mid-run, and once
// its lease runs out replica B takes the run over, follows the same pipeline (no second trigger) to
// its end, reports the final build status once, and an editor on B sees the run finished. Runs that
// wait behind another of their stack belong to the replica that queued them, alive or dead.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../../server/protocol';
import { LOOK_EVERY_MS } from '../../../server/runs/runEngine';
import { statusKey } from '../../../server/runs/reporters/buildStatus';
import { HEARTBEAT_MS, LEASE_MS } from '../../../server/store/postgres/runLeases';
import { pushBody } from '../../editor/support/webhook';
import { startFakeBitbucket, type FakeBitbucket, type FakeRepository } from '../../support/fakeBitbucket';
import { startAnswerHoldingProxy } from '../../support/answerHoldingProxy';
import { holdPipelines, releasePipelines } from '../../support/heldPipelines';
import { ownersOfRun, startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';
import { connectEditor, startTeamServer, userWithToken, writeSecretKey, type TeamEditor, type TeamServer } from '../../support/teamServer';
import { deliver, eventually } from '../receiverSupport';
import { PIPELINES_YAML, RUN_ENV } from '../runSupport';

const TOKEN = 'ATATT3xFfGF0-takeover-token-5c1e';
const TRIGGERS = '/repositories/{workspace}/{repo_slug}/pipelines';
/** The lease runs out, the survivor's next beat sees it, its next look takes the run; then slack for a loaded machine. */
const TAKEOVER_BOUND_MS = LEASE_MS + HEARTBEAT_MS + LOOK_EVERY_MS + 15_000;

describe('PostgreSQL: a replica SIGKILLed mid-run hands its run to the other', function () {
  this.timeout(90_000);
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let bitbucket: FakeBitbucket;
  let network: FakeRepository;
  let head: string;
  let nextHead: string;
  let queue: FakeRepository;
  let edge: FakeRepository;
  let edgeHead: string;
  let keyFile: string;
  const stopping: Array<() => Promise<void>> = [];
  let queueHeads: string[];
  let secret: string;
  let a: TeamServer;
  let b: TeamServer;
  const editors: TeamEditor[] = [];
  let token: string;

  before(async () => {
    cluster = await startPostgres();
    databaseUrl = await cluster.createDatabase('takeover');
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    network = bitbucket.world.addRepository('acme/network');
    head = bitbucket.pushCommit('acme/network', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML, 'envs/prod/main.tf': '# prod\n' });
    nextHead = bitbucket.pushCommit('acme/network', 'main', { 'envs/prod/main.tf': '# prod, two NAT gateways\n' });
    edge = bitbucket.world.addRepository('acme/edge');
    edgeHead = bitbucket.pushCommit('acme/edge', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML, 'main.tf': '# edge\n' });
    queue = bitbucket.world.addRepository('acme/queue');
    queueHeads = ['# one\n', '# two\n'].map((text) => bitbucket.pushCommit('acme/queue', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML, 'main.tf': text }));
    keyFile = writeSecretKey(tempStore('stackhook-key-'));
    [a, b] = await Promise.all([startReplica(bitbucket.url), startReplica(bitbucket.url)]);
    token = await userWithToken(a, 'ana', true);
    const setup = await connect(a);
    await setup.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await setup.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', projectRoot: 'envs/prod' });
    await setup.request(Protocol.StacksCreate, { name: 'queue', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/queue', branch: 'main' });
    await setup.request(Protocol.StacksCreate, { name: 'edge', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/edge', branch: 'main' });
    secret = (await setup.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret as string;
  });
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await Promise.all([a?.stop(), b?.stop(), ...stopping.map((stop) => stop())]);
    await bitbucket?.stop();
    await cluster?.stop();
  });
  const startReplica = (bitbucketApi: string, env: NodeJS.ProcessEnv = {}) =>
    startTeamServer({ store: tempStore('stackhook-replica-'), databaseUrl, keyFile, args: ['--bitbucket-api', bitbucketApi], env: { ...RUN_ENV, ...env } });
  const connect = async (replica: TeamServer) => {
    const editor = await connectEditor(replica.url, token);
    editors.push(editor);
    return editor;
  };

  /** The owners the run has had, in order: who queued or claimed it, then who took it over. */
  const ownersOf = (runId: string) => ownersOfRun(databaseUrl, runId);

  const pidOf = (owner: string | undefined) => Number(owner?.split(':')[1]);
  /** A signed push to `replica`'s receiver; the id of the run it queued. */
  async function push(replica: TeamServer, repository: string, commit: string): Promise<string> {
    const answer = await deliver(replica.url, 'acme-main', { body: pushBody(repository, 'main', commit), eventKey: 'repo:push', secret });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    const [runId] = answer.json.runIds ?? [];
    assert.ok(runId, 'the push queued a run');
    return runId;
  }
  const runIdOf = (pipeline: FakeRepository['pipelines'][number] | undefined) => pipeline?.variables.find((variable) => variable.key === 'STACKHOOK_RUN_ID')?.value;

  it('a run waiting behind another of its stack on a live replica stays with it: the other replica does not start it', async () => {
    const onA = await connect(a);
    holdPipelines(queue);
    const first = await push(a, 'acme/queue', queueHeads[0] as string);
    const second = await push(a, 'acme/queue', queueHeads[1] as string);
    await eventually(async () => (await onA.request(Protocol.RunsGet, { runId: first })).state === 'running', `run ${first} to be running on A`, 20_000);
    // By then B has looked for runs to take at least twice, and beaten once (it would know A dead by then, were it).
    const queuedAt = Date.parse((await onA.request(Protocol.RunsGet, { runId: second })).createdAt);
    const looked = queuedAt + Math.max(2 * LOOK_EVERY_MS, HEARTBEAT_MS) + 1_000;
    while (Date.now() < looked) {
      assert.equal(queue.pipelines.length, 1, `only the first run's pipeline runs while it runs; B said: ${b.stderr().slice(-1_000)}`);
      assert.equal((await onA.request(Protocol.RunsGet, { runId: second })).state, 'queued');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    releasePipelines(queue);
    for (const runId of [first, second]) {
      await eventually(async () => (await onA.request(Protocol.RunsGet, { runId })).state === 'finished', `run ${runId} to finish on A`, 20_000);
    }
    assert.deepEqual(queue.pipelines.map(runIdOf), [first, second], 'one pipeline each, in order');
    assert.deepEqual((await ownersOf(second)).map(pidOf), [a.process.pid], 'A ran the run it queued');
  });

  it('B follows the pipeline A started to its end (one trigger, one final status, the editor on B sees it finished), then runs the run that waited behind it', async () => {
    const [onA, onB] = await Promise.all([connect(a), connect(b)]);
    holdPipelines(network);
    const triggersBefore = bitbucket.count('POST', TRIGGERS);
    const runId = await push(a, 'acme/network', head);

    // A holds the run: it triggered the pipeline, the run is running, and its events name A as the owner.
    await eventually(async () => (await onA.request(Protocol.RunsGet, { runId })).state === 'running', `run ${runId} to be running on A`, 20_000);
    const running = await onA.request(Protocol.RunsGet, { runId });
    assert.equal(running.runner, 'pipelines');
    assert.equal(network.pipelines.length, 1, 'A triggered the pipeline');
    assert.equal(running.externalUrl, `${bitbucket.origin}/acme/network/pipelines/results/${network.pipelines[0]?.buildNumber}`);
    assert.match((await onA.request(Protocol.RunsLog, { runId })).text, /Pipeline stackhook #1 started/);
    const claimed = await ownersOf(runId);
    assert.equal(claimed.length, 1, `one claim: ${claimed.join(', ')}`);
    assert.equal(pidOf(claimed[0]), a.process.pid, 'A owns the run');
    assert.equal((await onB.request(Protocol.RunsGet, { runId })).state, 'running', 'B sees the run running too');
    const status = () => network.statuses.get(head)?.get(statusKey('net', 'tracked'));
    assert.deepEqual(status()?.history, ['INPROGRESS']);
    // The stack's next run waits behind it, A's too.
    const next = await push(a, 'acme/network', nextHead);
    await eventually(async () => (await ownersOf(next)).length === 1, `A to claim run ${next}`, 10_000);
    assert.equal(pidOf((await ownersOf(next))[0]), a.process.pid);
    assert.equal((await onA.request(Protocol.RunsGet, { runId: next })).state, 'queued');

    a.process.kill('SIGKILL');
    assert.equal(await a.exited, null, 'A was killed, not stopped');
    const killedAt = Date.now();
    const heardBefore = onB.changes.length;
    releasePipelines(network);

    let ended: Protocol.Run | undefined;
    await eventually(
      async () => {
        ended = await onB.request(Protocol.RunsGet, { runId });
        return ended.state === 'finished' && ended.reports.status !== 'pending' && ended.reports.comment !== 'pending';
      },
      `B to take run ${runId} over and finish it`,
      TAKEOVER_BOUND_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: it is ${JSON.stringify(ended)}; B said: ${b.stderr().slice(-2_000)}`);
    });
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs < TAKEOVER_BOUND_MS, `taken over and finished ${tookMs} ms after A died`);

    assert.equal(ended?.summary, 'Plan: 1 to add, 0 to change, 0 to destroy.');
    assert.deepEqual(network.pipelines.map(runIdOf).slice(0, 1), [runId], 'no second pipeline for the run');
    assert.deepEqual(status()?.history, ['INPROGRESS', 'SUCCESSFUL'], 'the final status is reported once');
    assert.equal(status()?.url, ended?.externalUrl);
    assert.deepEqual(ended?.reports, { status: 'posted', comment: 'skipped', commentReason: 'not started by a pull request' });
    assert.ok(onB.changes.slice(heardBefore).some((topics) => topics.includes('runs')), 'the editor on B heard of the run changing');
    assert.equal((await onB.request(Protocol.RunsList, {})).find((run) => run.id === runId)?.state, 'finished');

    // Who took it over: the run's events name B after A, and B's log says so.
    const owners = await ownersOf(runId);
    assert.deepEqual(owners.map(pidOf), [a.process.pid, b.process.pid], `owners: ${owners.join(', ')}`);
    const log = await onB.request(Protocol.RunsLog, { runId });
    assert.ok(log.text.includes(`Taken over by ${owners[1]} from ${owners[0]}`), log.text);
    assert.match(log.text, /Following pipeline .+ again/);
    assert.match(log.text, /Plan: 1 to add/);
    assert.equal(log.complete, true);

    // The run that waited its turn on A runs on B after it, nothing of it having run before.
    await eventually(async () => (await onB.request(Protocol.RunsGet, { runId: next })).state === 'finished', `B to run ${next}`, 20_000);
    assert.deepEqual(network.pipelines.map(runIdOf), [runId, next], 'one pipeline each, in order');
    assert.equal(bitbucket.count('POST', TRIGGERS) - triggersBefore, 2, 'one trigger each');
    assert.deepEqual((await ownersOf(next)).map(pidOf), [a.process.pid, b.process.pid]);
    assert.deepEqual(network.statuses.get(nextHead)?.get(statusKey('net', 'tracked'))?.history, ['INPROGRESS', 'SUCCESSFUL']);
  });

  it('a replica killed after Bitbucket started its pipeline but before it heard so: B finds the pipeline by the run id and follows it, triggering none', async () => {
    // C's trigger reaches Bitbucket, which starts the pipeline; its answer never reaches C.
    const proxy = await startAnswerHoldingProxy(bitbucket.url, (request) => request.method === 'POST' && /\/pipelines\/?(\?|$)/.test(request.url ?? ''));
    stopping.push(() => proxy.stop());
    const c = await startReplica(proxy.url, { STACKHOOK_BITBUCKET_TIMEOUT_MS: '60000' });
    stopping.push(() => c.stop());
    const onB = await connect(b);
    const triggersBefore = bitbucket.count('POST', TRIGGERS);
    const runId = await push(c, 'acme/edge', edgeHead);
    await eventually(() => proxy.held === 1, `C to trigger run ${runId}'s pipeline`, 20_000);
    assert.deepEqual(edge.pipelines.map(runIdOf), [runId]);
    assert.equal((await onB.request(Protocol.RunsGet, { runId })).state, 'preparing', 'C never learnt that its pipeline started');
    assert.deepEqual((await ownersOf(runId)).map(pidOf), [c.process.pid]);

    c.process.kill('SIGKILL');
    assert.equal(await c.exited, null);
    let ended: Protocol.Run | undefined;
    await eventually(
      async () => {
        ended = await onB.request(Protocol.RunsGet, { runId });
        return ended.state === 'finished' && ended.reports.status !== 'pending';
      },
      `B to take run ${runId} over and finish it`,
      TAKEOVER_BOUND_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: it is ${JSON.stringify(ended)}; B said: ${b.stderr().slice(-2_000)}`);
    });
    assert.equal(bitbucket.count('POST', TRIGGERS) - triggersBefore, 1, 'the pipeline was triggered once, by C');
    assert.deepEqual(edge.pipelines.map(runIdOf), [runId]);
    assert.equal(ended?.summary, 'Plan: 1 to add, 0 to change, 0 to destroy.');
    assert.deepEqual(edge.statuses.get(edgeHead)?.get(statusKey('edge', 'tracked'))?.history, ['INPROGRESS', 'SUCCESSFUL']);
    assert.deepEqual((await ownersOf(runId)).map(pidOf), [c.process.pid, b.process.pid]);
    assert.match((await onB.request(Protocol.RunsLog, { runId })).text, /Found pipeline stackhook #1, which the server that stopped had started/);
  });
});
