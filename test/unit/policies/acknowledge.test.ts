// R31: a run a plan policy denies waits unconfirmed; neither a Confirm nor autodeploy applies it
// (the run-events fold refuses both, in every process) until an admin of the stack's space who did
// not trigger the run acknowledges it, with a reason that is kept with the run.
import { strict as assert } from 'node:assert';
import { acknowledgeRun } from '../../../server/operations/acknowledge';
import { POLICY_DENIED, type RunPolicy } from '../../../server/protocol';
import { heldByPolicy, refuseHeldConfirm } from '../../../server/runs/policyGate';
import type { RunService } from '../../../server/runs/service';
import { RunBook } from '../../support/fileEngine';
import { kindOf, testWorld, type TestWorld } from '../../support/testContext';

const DENY: RunPolicy = {
  verdict: 'deny',
  findings: [{ rule: 'protectedTypes', effect: 'deny', source: { kind: 'space', id: 'root' }, address: 'aws_db_instance.main', message: 'aws_db_instance.main would be destroyed: resources of type aws_db_instance are protected from delete.' }],
};

describe('plan policies: a denied run waits for an acknowledgement (R31)', () => {
  let world: TestWorld;
  let book: RunBook;
  const execution = (): RunService => ({ book } as unknown as RunService);
  const as = (user: string) => ({ ...world.as(user), execution: execution() });

  beforeEach(async () => {
    world = await testWorld('ana');
    const ana = world.as('ana');
    await ana.store.update((draft) => {
      draft.spaces.push({ id: 'prod', name: 'prod', parentId: 'root', inheritEntities: true });
      draft.integrations.push({ id: 'main', name: 'Main', type: 'default', spaceId: 'root', username: 'ana@example.com', credentialType: 'api_token', labels: [], description: '', webhookSecret: null, createdAt: 'now' });
      draft.stacks.push({ id: 'db', name: 'db', spaceId: 'prod', integrationId: 'main', detachedFrom: null, repository: 'acme/db', branch: 'main', projectRoot: '', createdAt: 'now' });
      draft.grants.push({ user: 'cy', spaceId: 'prod', role: 'admin' }, { user: 'wes', spaceId: 'prod', role: 'write' });
    });
    const queued = (id: string, triggeredBy?: string) => ({ id, stackId: 'db', kind: 'tracked' as const, trigger: 'manual' as const, branch: 'main', commit: 'c'.repeat(40), deliveryId: null, createdAt: 'now', ...(triggeredBy ? { triggeredBy } : {}) });
    await ana.runs.append([queued('r-cy', 'cy'), queued('r-wes', 'wes'), queued('r-auto')]);
    book = new RunBook(world.folder, ana.runs, ana.deliveries, () => undefined);
    await book.load();
    for (const runId of ['r-cy', 'r-wes']) {
      await book.write(runId, { owner: 'p:1:test', fence: 1 });
      await book.write(runId, { state: 'preparing', fence: 1 });
      await book.write(runId, { state: 'running', fence: 1 });
      await book.write(runId, { state: 'unconfirmed', policy: DENY, fence: 1 });
    }
  });
  afterEach(() => world.close());

  it('a Confirm of a held run is refused, in the fold and early with the reason and the finding', async () => {
    assert.ok(heldByPolicy(book.record('r-wes')?.run ?? {}));
    const written = await book.write('r-wes', { decision: 'confirm', by: 'cy' });
    assert.equal(written.accepted, false, 'the log refuses the Confirm');
    assert.throws(() => refuseHeldConfirm(book.record('r-wes')?.run as never), (error: { data?: { reason?: string }; message: string }) => {
      assert.equal(error.data?.reason, POLICY_DENIED);
      assert.match(error.message, /a plan policy denies it \(aws_db_instance\.main would be destroyed/);
      return true;
    });
  });

  it('autodeploy: an owner that would go from its plan straight to applying is refused under a deny', async () => {
    await book.write('r-auto', { owner: 'p:1:test', fence: 1 });
    await book.write('r-auto', { state: 'preparing', fence: 1 });
    await book.write('r-auto', { state: 'running', fence: 1 });
    assert.equal((await book.write('r-auto', { state: 'applying', step: 'apply', policy: DENY, fence: 1 })).accepted, false);
    assert.equal(book.record('r-auto')?.run.state, 'running');
  });

  it('an admin who did not trigger the run acknowledges it; then it can be confirmed; the acknowledgement is kept', async () => {
    assert.equal(await kindOf(() => acknowledgeRun(as('wes'), { runId: 'r-wes', reason: 'planned' })), 'Forbidden', 'a writer is not an admin');
    assert.equal(await kindOf(() => acknowledgeRun(as('nobody'), { runId: 'r-wes', reason: 'planned' })), 'NotFound');
    const run = await acknowledgeRun(as('cy'), { runId: 'r-wes', reason: 'the old database is migrated; CHG-1234' });
    assert.deepEqual(run.policy?.acknowledged, { by: 'cy', at: run.policy?.acknowledged?.at, reason: 'the old database is migrated; CHG-1234' });
    assert.ok(run.policy?.acknowledged?.at);
    assert.equal(heldByPolicy(run), false);
    assert.equal((await book.write('r-wes', { decision: 'confirm', by: 'wes' })).accepted, true, 'a writer may confirm it now');
    assert.equal(await kindOf(() => acknowledgeRun(as('ana'), { runId: 'r-wes', reason: 'again' })), 'Conflict', 'acknowledged once');
  });

  it('the person who triggered the run cannot acknowledge it, admin or not', async () => {
    let message = '';
    assert.equal(await kindOf(() => acknowledgeRun(as('cy'), { runId: 'r-cy', reason: 'mine' }).catch((error: Error) => { message = error.message; throw error; })), 'Forbidden');
    assert.match(message, /cy triggered or authored this run/);
    assert.equal(book.record('r-cy')?.run.policy?.acknowledged, undefined, 'nothing was recorded');
    await acknowledgeRun(as('ana'), { runId: 'r-cy', reason: 'reviewed' });
  });

  it('a run no policy holds needs no acknowledgement', async () => {
    assert.equal(await kindOf(() => acknowledgeRun(as('cy'), { runId: 'r-auto', reason: 'why not' })), 'Conflict');
  });
});
