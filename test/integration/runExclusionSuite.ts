// One stack, several `serve` processes on one store (two on a file store, three replicas on
// PostgreSQL), a local runner whose plan and apply commands log their own start and end
// (test/support/stepLog.ts): pushes for one stack delivered to every process run one after another,
// in the order they were queued; a process paused mid-apply (SIGSTOP) keeps its stack, and nothing of
// the stack runs until it resumes; a killed one's runs are taken over in queue order; a retry waits for
// the running run; Confirm, Discard and Cancel raced on one and on two processes are answered as they
// were decided; a detached stack's waiting run applies nothing and its deleted integration's token is
// never used again (R12). Run by runExclusion.test.ts (files) and postgres/runExclusion.test.ts.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { pushBody } from '../editor/support/webhook';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { rejection } from '../support/serverProcess';
import { startStepLog, type StepLog } from '../support/stepLog';
import { connectEditor, userWithToken, type TeamEditor, type TeamServer } from '../support/teamServer';
import { deliver, eventually, newRequestUuid } from './receiverSupport';
import { RUN_ENV } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-exclusion-token-9d2e';
const DOOMED_TOKEN = 'ATATT3xFfGF0-doomed-token-4b7a';
const GATES = 10;
const FINAL = ['finished', 'failed', 'stopped', 'discarded'];

export interface ExclusionOptions {
  /** What the processes share, in words, for the suite's title. */
  title: string;
  /** How many processes share the store (2 or 3). */
  processes: 2 | 3;
  /** How long a paused process stays paused: past a replica's lease on PostgreSQL. */
  pauseMs: number;
  /** Starts a process on the shared store (the same store or database every time). */
  start(bitbucketApi: string, env: NodeJS.ProcessEnv): Promise<TeamServer>;
  /** Before the processes start: a database, say. */
  prepare?(): Promise<void>;
  /** After they stopped. */
  cleanUp?(): Promise<void>;
}

export function exclusionSuite(options: ExclusionOptions): void {
  describe(`one stack, ${options.title}: runs never overlap, never apply twice, never out of order`, function () {
    this.timeout(240_000);
    let bitbucket: FakeBitbucket;
    let steps: StepLog;
    let a: TeamServer;
    let b: TeamServer;
    let c: TeamServer | undefined;
    let token: string;
    let onA: TeamEditor;
    let onB: TeamEditor;
    let secret: string;
    const editors: TeamEditor[] = [];
    const servers: TeamServer[] = [];

    const start = async () => {
      const server = await options.start(bitbucket.url, { ...RUN_ENV, STACKHOOK_RUN_CONCURRENCY: String(GATES + 4) });
      servers.push(server);
      return server;
    };
    const connect = async (server: TeamServer) => {
      const editor = await connectEditor(server.url, token);
      editors.push(editor);
      return editor;
    };
    const localStack = (name: string, repository: string, planMs: number, applyMs: number, autodeploy: boolean, integrationId = 'acme-main') => ({
      name,
      spaceId: 'root',
      integrationId,
      repository,
      branch: 'main',
      runner: { type: 'local' as const, plan: steps.command('plan', planMs, 'Plan: 1 to add, 0 to change, 0 to destroy.'), apply: steps.command('apply', applyMs, 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.') },
      autodeploy,
    });
    async function push(server: TeamServer, repository: string, files: Record<string, string>): Promise<string> {
      const commit = bitbucket.pushCommit(repository, 'main', files);
      const options = { body: pushBody(repository, 'main', commit), eventKey: 'repo:push', secret, requestUuid: newRequestUuid() };
      // A kept-alive connection the receiver closed as it was reused: sent again, as Bitbucket retries (R16 keeps it one delivery).
      const answer = await deliver(server.url, 'acme-main', options).catch(() => deliver(server.url, 'acme-main', options));
      assert.equal(answer.status, 202, JSON.stringify(answer.json));
      const [runId] = answer.json.runIds ?? [];
      assert.ok(runId);
      return runId;
    }
    const stateOf = async (runId: string) => (await onB.request(Protocol.RunsGet, { runId })).state;
    const ended = (runIds: readonly string[], timeoutMs = 60_000) =>
      eventually(async () => (await Promise.all(runIds.map(stateOf))).every((state) => FINAL.includes(state)), `runs ${runIds.join(', ')} to end`, timeoutMs);
    const assertClean = (stack: string) => assert.deepEqual(steps.overlaps(stack), [], `steps of ${stack} overlapped`);

    before(async () => {
      steps = await startStepLog();
      bitbucket = await startFakeBitbucket();
      bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
      bitbucket.world.addUser({ email: 'doomed@example.com', token: DOOMED_TOKEN, workspaces: { acme: 'admin' } });
      for (const repository of ['acme/net', 'acme/order', 'acme/doomed', ...Array.from({ length: GATES }, (_, i) => `acme/gate-${i}`)]) {
        bitbucket.world.addRepository(repository);
        bitbucket.pushCommit(repository, 'main', { 'main.tf': `# ${repository}\n` });
      }
      await options.prepare?.();
      a = await start();
      b = await start();
      if (options.processes === 3) c = await start();
      token = await userWithToken(a, 'ana', true);
      [onA, onB] = await Promise.all([connect(a), connect(b)]);
      await onA.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
      await onA.request(Protocol.IntegrationsCreate, { name: 'Doomed', type: 'space', spaceId: 'root', username: 'doomed@example.com', secret: DOOMED_TOKEN });
      secret = (await onA.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret as string;
      await onA.request(Protocol.StacksCreate, localStack('net', 'acme/net', 400, 400, true));
      await onA.request(Protocol.StacksCreate, localStack('order', 'acme/order', 1_500, 100, true));
      await onA.request(Protocol.StacksCreate, localStack('doomed', 'acme/doomed', 50, 50, false, 'doomed'));
      for (let i = 0; i < GATES; i++) await onA.request(Protocol.StacksCreate, localStack(`gate-${i}`, `acme/gate-${i}`, 50, 50, false));
    });
    after(async () => {
        await Promise.all(editors.map((editor) => editor.close().catch(() => undefined)));
      for (const server of servers) {
        if (server.process.signalCode === null && server.process.exitCode === null) server.process.kill('SIGCONT');
        await server.stop();
      }
      await options.cleanUp?.();
      await bitbucket?.stop();
      await steps?.stop();
    });

    it('pushes for one stack delivered to every process run one after another, each planned and applied once, in the order they were queued', async () => {
      const queued = [await push(a, 'acme/net', { 'main.tf': '# one\n' }), await push(b, 'acme/net', { 'main.tf': '# two\n' }), await push(c ?? a, 'acme/net', { 'main.tf': '# three\n' })];
      await ended(queued);
      for (const runId of queued) assert.equal(await stateOf(runId), 'finished', runId);
      assertClean('net');
      for (const step of ['plan', 'apply']) for (const runId of queued) assert.equal(steps.starts(step, 'net').get(runId), 1, `${runId} ran ${step} once`);
      assert.deepEqual(steps.order('apply', 'net'), queued, 'applied in the order the pushes were queued');
    });

    it('a process paused mid-apply keeps its stack: the other starts nothing of it until it resumes, and the paused run ends once', async () => {
      const first = await push(a, 'acme/net', { 'main.tf': '# four\n' });
      await eventually(() => steps.events.some((event) => event.run === first && event.step === 'apply' && event.kind === 'start'), `run ${first} to apply`, 30_000);
      a.process.kill('SIGSTOP');
      let resumedAt = 0;
      try {
        const second = await push(b, 'acme/net', { 'main.tf': '# five\n' });
        const pausedUntil = Date.now() + options.pauseMs;
        const states: string[] = [];
        while (Date.now() < pausedUntil) {
          assert.equal(steps.starts('plan', 'net').get(second), undefined, 'nothing of the stack starts while its holder is paused');
          states.push(await stateOf(first));
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        assert.ok(!states.some((state) => FINAL.includes(state)), `the paused process's run did not end elsewhere: ${states.join(', ')}`);
        resumedAt = Date.now();
        a.process.kill('SIGCONT');
        await ended([first, second]);
        assert.equal(await stateOf(first), 'finished');
        assert.equal(await stateOf(second), 'finished');
        const secondPlan = steps.intervals('net').find((interval) => interval.run === second && interval.step === 'plan');
        assert.ok(secondPlan && secondPlan.start >= resumedAt, 'the next run started after the paused process resumed');
        assertClean('net');
        assert.equal(steps.starts('apply', 'net').get(first), 1);
        assert.equal(steps.starts('apply', 'net').get(second), 1);
        // A final state never changes.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        assert.equal(await stateOf(first), 'finished');
      } finally {
        if (resumedAt === 0) a.process.kill('SIGCONT');
      }
    });

    it('a retry asked of one process while the other runs the stack waits behind it', async () => {
      const running = await push(a, 'acme/net', { 'main.tf': '# six\n' });
      await eventually(() => steps.starts('plan', 'net').has(running), `run ${running} to plan`, 30_000);
      const earlier = steps.order('apply', 'net')[0] as string;
      const retry = await onB.request(Protocol.RunsRetry, { runId: earlier });
      await ended([running, retry.id]);
      assertClean('net');
      const order = steps.order('plan', 'net');
      assert.ok(order.indexOf(running) < order.indexOf(retry.id), 'the retry ran after the run it waited for');
    });

    for (const processes of [1, 2]) {
      for (const [first, second] of [['confirm', 'discard'], ['confirm', 'cancel'], ['discard', 'cancel']] as const) {
        it(`${first} and ${second} raced ${processes === 1 ? 'on one process' : 'on two processes'}, 20 times: each answer says what happened`, async () => {
          const asks = { confirm: Protocol.RunsConfirm, discard: Protocol.RunsDiscard, cancel: Protocol.RunsCancel };
          for (let round = 0; round < 20 / GATES; round++) {
            const runs = await Promise.all(Array.from({ length: GATES }, (_, i) => onA.request(Protocol.StacksTriggerRun, { stackId: `gate-${i}` })));
            await eventually(async () => (await Promise.all(runs.map((run) => stateOf(run.id)))).every((state) => state === 'unconfirmed'), 'every gate to wait for confirmation', 30_000).catch(async (error: Error) => {
              const now = await Promise.all(runs.map((run) => onB.request(Protocol.RunsGet, { runId: run.id })));
              throw new Error(`${error.message}: ${now.map((run) => `${run.id} ${run.state} ${run.summary ?? ''}`).join('; ')}`);
            });
            const answers = await Promise.all(
              runs.map(async (run, i) => {
                const [one, other] = processes === 1 ? [onA, onA] : i % 2 === 0 ? [onA, onB] : [onB, onA];
                const settle = (promise: Promise<unknown>) => promise.then(() => 'ok' as const, async (error: unknown) => (await rejection(Promise.reject(error))).kind);
                const [x, y] = await Promise.all([settle(one.request(asks[first], { runId: run.id })), settle(other.request(asks[second], { runId: run.id }))]);
                return { runId: run.id, stack: `gate-${i}`, [first]: x, [second]: y } as Record<string, string>;
              }),
            );
            await ended(runs.map((run) => run.id));
            for (const answer of answers) {
              const runId = answer.runId as string;
              const stack = answer.stack as string;
              const final = await stateOf(runId);
              const applies = steps.starts('apply', stack).get(runId) ?? 0;
              const said = `${JSON.stringify(answer)} ended ${final} with ${applies} apply`;
              for (const kind of [first, second]) assert.ok(answer[kind] === 'ok' || answer[kind] === 'Conflict', said);
              assert.ok(applies <= 1, said);
              if (applies === 1 || final === 'finished') assert.equal(answer.confirm, 'ok', `an apply happened only after a Confirm that answered ok: ${said}`);
              if (answer.discard === 'ok') assert.ok(final === 'discarded' && applies === 0, `a Discard that answered ok applied nothing: ${said}`);
              if (answer.cancel === 'ok' && answer.confirm !== 'ok') assert.ok(final === 'stopped' && applies === 0, `a Cancel that answered ok before any Confirm applied nothing: ${said}`);
              if (answer.confirm === 'ok' && answer.cancel !== 'ok') assert.equal(final, 'finished', said);
              if (first === 'confirm' && second === 'discard') assert.equal([answer.confirm, answer.discard].filter((x) => x === 'ok').length, 1, `exactly one decided: ${said}`);
              if (first === 'discard') assert.equal([answer.discard, answer.cancel].filter((x) => x === 'ok').length, 1, `exactly one decided: ${said}`);
              assertClean(stack);
            }
          }
        });
      }
    }

    it('R12: deleting the integration discards its stack\'s waiting run; Confirm on the other process is refused, and the deleted token is never used again', async () => {
      const waiting = await onA.request(Protocol.StacksTriggerRun, { stackId: 'doomed' });
      await eventually(async () => (await stateOf(waiting.id)) === 'unconfirmed', 'the run to wait', 30_000);
      const { detachedStackIds } = await onA.request(Protocol.IntegrationsDelete, { id: 'doomed' });
      assert.deepEqual(detachedStackIds, ['doomed']);
      const deletedAt = Date.now();
      const refusal = await rejection(onB.request(Protocol.RunsConfirm, { runId: waiting.id }));
      assert.ok(['Conflict', 'Detached'].includes(refusal.kind), refusal.message);
      await ended([waiting.id]);
      const run = await onB.request(Protocol.RunsGet, { runId: waiting.id });
      assert.equal(run.state, 'discarded');
      assert.match(run.summary ?? '', /detached \(R12\)/);
      assert.equal(steps.starts('apply', 'doomed').get(waiting.id), undefined, 'nothing applied');
      const used = bitbucket.lastUseOf(DOOMED_TOKEN);
      assert.ok(used !== null, 'the token was used while the stack had it (so the check below can fail)');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.ok((bitbucket.lastUseOf(DOOMED_TOKEN) ?? 0) <= deletedAt, 'the deleted integration\'s token was not used after the delete');
    });

    it('a process killed mid-plan: the other takes its stack over in queue order (the cut run interrupted, the rest one at a time)', async () => {
      const cut = await push(a, 'acme/order', { 'main.tf': '# o1\n' });
      const second = await push(a, 'acme/order', { 'main.tf': '# o2\n' });
      const manual = (await onA.request(Protocol.StacksTriggerRun, { stackId: 'order' })).id;
      const third = await push(a, 'acme/order', { 'main.tf': '# o3\n' });
      await eventually(() => steps.starts('plan', 'order').has(cut), `run ${cut} to plan`, 30_000);
      a.process.kill('SIGKILL');
      await a.exited;
      await ended([cut, second, manual, third], 90_000);
      const cutRun = await onB.request(Protocol.RunsGet, { runId: cut });
      assert.equal(cutRun.state, 'failed');
      assert.match(cutRun.summary ?? '', /^interrupted/);
      for (const runId of [second, manual, third]) assert.equal(await stateOf(runId), 'finished', runId);
      assert.deepEqual(steps.order('plan', 'order'), [cut, second, manual, third], 'in the order they were queued, the manual run in its place');
      assertClean('order');
      for (const runId of [second, manual, third]) assert.equal(steps.starts('apply', 'order').get(runId), 1);
      assert.equal(steps.starts('apply', 'order').get(cut), undefined, 'the cut run did not run on');
    });
  });
}
