import { strict as assert } from 'node:assert';
import { hostname } from 'node:os';
import * as integrations from '../../../server/operations/integrations';
import * as stacks from '../../../server/operations/stacks';
import { RunEngine } from '../../../server/runs/runEngine';
import { RunBook } from '../../support/fileEngine';
import { THIS_PROCESS } from '../../../server/store/processIdentity';
import { DEFAULT_RUN_SETTINGS, type RunSettings } from '../../../server/runs/settings';
import { FileStackLocks } from '../../../server/store/files/stackLocks';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

/** No process has pid 0x3fffffff (above Linux's pid limit): a run it claimed has a dead owner. */
const DEAD_OWNER = `${hostname()}:${0x3fffffff}:dead`;
const completed = (uuid: string, buildNumber = 1) => ({ uuid, buildNumber, state: 'COMPLETED', result: 'SUCCESSFUL' });

describe('the run engine', () => {
  let world: TestWorld;
  afterEach(() => world.close());

  /** Ana's integration and the stack `net` (Pipelines), a run book on the world's store, and an engine for them. */
  async function netStack(settings: Partial<RunSettings> = { pollMs: 1 }) {
    world = await testWorld();
    const base = world.as('ana');
    await integrations.createIntegration(base, { name: 'Acme', type: 'default', username: 'ana@example.com', secret: 'ATATT3xFfGF0-engine', verify: false }, scope);
    await stacks.createStack(base, { name: 'net', spaceId: 'root', integrationId: 'acme', repository: 'acme/network', branch: 'main', verify: false }, scope);
    const book = new RunBook(world.folder, base.runs, base.deliveries, () => undefined);
    await book.load();
    const context = { ...base, execution: undefined as RunEngine | undefined };
    const engine = new RunEngine(context, book, { ...DEFAULT_RUN_SETTINGS, retryDelayMs: 1, ...settings }, 'https://bitbucket.org', new FileStackLocks(`${world.folder}/locks/stacks`));
    context.execution = engine;
    const queued = (id: string, agoMs = 0) => ({ id, stackId: 'net', kind: 'tracked' as const, trigger: 'push' as const, branch: 'main', commit: 'c'.repeat(40), deliveryId: null, createdAt: new Date(base.now().getTime() - agoMs).toISOString() });
    return { base, book, context, engine, queued };
  }

  it('a run that cannot start ends failed with the reason, and the stack\'s next tracked run still runs', async () => {
    const { base, book, context, engine } = await netStack({});
    // The credential is gone (a file credentials store wiped by hand, say).
    await base.credentials.set('acme', null);
    const first = await stacks.triggerRun(context, { stackId: 'net' });
    const second = await stacks.triggerRun(context, { stackId: 'net' });
    await engine.idle();
    for (const run of [first, second]) {
      const record = book.record(run.id);
      assert.equal(record?.run.state, 'failed', run.id);
      assert.match(record?.run.summary ?? '', /No Bitbucket credential is stored for the integration "Acme"/);
    }
    await book.events.close();
  });

  it('after a restart, the runs a dead process queued are started in order; one queued long ago is not started (its commit may be long superseded) and does not hold up the rest', async () => {
    const { base, book, engine, queued } = await netStack();
    const gone = `${DEAD_OWNER}-queued`;
    await base.runs.append([{ ...queued('old', 60 * 60_000), queuedBy: gone }, { ...queued('orphan', 30_000), queuedBy: gone }, { ...queued('fresh', 1_000), queuedBy: gone }]);
    world.bitbucket.triggerPipeline.resolves(completed('{p1}'));
    world.bitbucket.getPipeline.resolves(completed('{p1}'));
    await engine.recover();
    await engine.idle();
    assert.equal(book.record('old')?.run.state, 'failed');
    assert.match(book.record('old')?.run.summary ?? '', /^not run: it waited too long/);
    assert.equal(book.record('orphan')?.run.state, 'finished');
    assert.equal(book.record('fresh')?.run.state, 'finished');
    assert.equal(world.bitbucket.triggerPipeline.callCount, 2);
    assert.deepEqual(world.bitbucket.triggerPipeline.getCalls().map((call) => call.args[2].variables.STACKHOOK_RUN_ID), ['orphan', 'fresh'], 'in the order they were queued');
    await book.events.close();
  });

  it('a run queued by another live process is left to it: this one does not take the stack', async () => {
    const { base, book, engine, queued } = await netStack();
    const alive = `${hostname()}:${process.ppid}:${Date.now().toString(36)}`;
    await base.runs.append([{ ...queued('theirs', 1_000), queuedBy: alive }]);
    await engine.recover();
    await engine.idle();
    assert.equal(book.record('theirs')?.run.state, 'queued');
    assert.equal(world.bitbucket.triggerPipeline.callCount, 0);
    await book.events.close();
  });

  it('a run whose server died while its pipeline ran is taken over: the pipeline is followed, not triggered again, and the log says who took it from whom', async () => {
    const { base, book, engine, queued } = await netStack();
    await base.runs.append([queued('cut')]);
    assert.equal((await book.claim('cut', DEAD_OWNER)).accepted, true);
    await book.change('cut', { state: 'running', runner: 'pipelines', pipelineUuid: '{p1}', startedAt: base.now().toISOString() });
    world.bitbucket.getPipeline.resolves(completed('{p1}'));
    await engine.recover();
    await engine.idle();
    assert.equal(book.record('cut')?.run.state, 'finished');
    assert.equal(book.record('cut')?.owner, THIS_PROCESS);
    assert.equal(world.bitbucket.triggerPipeline.callCount, 0, 'the pipeline it followed is not triggered again');
    const log = await book.logs.read('cut', 0, true);
    assert.ok(log.text.startsWith(`Taken over by ${THIS_PROCESS} from ${DEAD_OWNER}: `), log.text);
    assert.match(log.text, /Following pipeline \{p1\} again/);
    await book.events.close();
  });

  it('of the runs a dead server claimed, one still waiting its turn runs on the server that takes it over; one abandoned long ago is not run', async () => {
    const { base, book, engine, queued } = await netStack();
    await base.runs.append([queued('abandoned', 60 * 60_000), queued('waiting', 30_000)]);
    for (const id of ['abandoned', 'waiting']) assert.equal((await book.claim(id, DEAD_OWNER)).accepted, true);
    world.bitbucket.triggerPipeline.resolves(completed('{p1}'));
    world.bitbucket.getPipeline.resolves(completed('{p1}'));
    await engine.recover();
    await engine.idle();
    assert.equal(book.record('waiting')?.run.state, 'finished', 'nothing of it had run: it runs here');
    assert.equal(world.bitbucket.triggerPipeline.callCount, 1);
    assert.equal(book.record('abandoned')?.run.state, 'failed');
    assert.match(book.record('abandoned')?.run.summary ?? '', /^not run: it waited too long/);
    await book.events.close();
  });

  it('a run this server holds waiting behind another of its stack is cancelled at once and never starts', async () => {
    const { book, context, engine } = await netStack({ pollMs: 1, pollMaxMs: 5 });
    let done = false;
    world.bitbucket.triggerPipeline.resolves({ uuid: '{p1}', buildNumber: 1, state: 'PENDING', result: null });
    world.bitbucket.getPipeline.callsFake(async () => (done ? completed('{p1}') : { uuid: '{p1}', buildNumber: 1, state: 'IN_PROGRESS', result: null }));
    const first = await stacks.triggerRun(context, { stackId: 'net' });
    const second = await stacks.triggerRun(context, { stackId: 'net' });
    const deadline = Date.now() + 10_000;
    while (book.record(first.id)?.run.state !== 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(book.record(first.id)?.run.state, 'running');
    assert.equal(book.record(second.id)?.origin, THIS_PROCESS, 'queued by this process');
    const cancelled = await engine.cancel(second.id);
    assert.equal(cancelled.state, 'stopped');
    assert.equal(cancelled.summary, 'cancelled before it started');
    done = true;
    await engine.idle();
    assert.equal(book.record(first.id)?.run.state, 'finished');
    assert.equal(book.record(second.id)?.run.state, 'stopped');
    assert.equal(world.bitbucket.triggerPipeline.callCount, 1, 'the cancelled run never started');
    await book.events.close();
  });

  it('a pipelines run whose server died while triggering it: the server that takes it over finds the pipeline by the run id and follows it, or triggers it once when Bitbucket has none', async () => {
    const { base, book, engine, queued } = await netStack();
    await base.runs.append([queued('answer-lost'), queued('never-sent')]);
    for (const id of ['answer-lost', 'never-sent']) {
      assert.equal((await book.claim(id, DEAD_OWNER)).accepted, true);
      await book.change(id, { state: 'preparing', runner: 'pipelines', startedAt: base.now().toISOString() });
    }
    // Bitbucket started the pipeline of the first; the second's trigger never reached it.
    world.bitbucket.findTriggeredPipeline.callsFake(async (_credential, _repository, trigger) => (trigger.variables.STACKHOOK_RUN_ID === 'answer-lost' ? completed('{p-started}', 7) : null));
    world.bitbucket.triggerPipeline.resolves(completed('{p-new}'));
    world.bitbucket.getPipeline.callsFake(async (_credential, _repository, uuid: string) => completed(uuid));
    await engine.recover();
    await engine.idle();
    assert.equal(book.record('answer-lost')?.run.state, 'finished');
    assert.equal(book.record('answer-lost')?.pipelineUuid, '{p-started}', 'the pipeline its server started is followed');
    assert.match((await book.logs.read('answer-lost', 0, true)).text, /Found pipeline stackhook #7, which the server that stopped had started/);
    assert.equal(book.record('never-sent')?.run.state, 'finished');
    assert.equal(book.record('never-sent')?.pipelineUuid, '{p-new}');
    assert.deepEqual(world.bitbucket.triggerPipeline.getCalls().map((call) => call.args[2].variables.STACKHOOK_RUN_ID), ['never-sent'], 'triggered once, only where none was started');
    await book.events.close();
  });
});
