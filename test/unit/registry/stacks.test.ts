import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import * as spaces from '../../../server/operations/spaces';
import * as stacks from '../../../server/operations/stacks';
import { bitbucketError } from '../../../server/errors';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

const SECRET = 'ATATT-stack-tests-secret';

describe('registry/stacks', () => {
  let world: TestWorld;
  const ana = () => world.as('ana');
  beforeEach(async () => {
    world = await testWorld('ana');
    await spaces.createSpace(ana(), { name: 'platform', parentId: 'root', inheritEntities: true });
    await spaces.createSpace(ana(), { name: 'sealed', parentId: 'platform', inheritEntities: false });
    await integrations.createIntegration(ana(), { name: 'Platform BB', type: 'space', spaceId: 'platform', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
  });
  afterEach(() => world.close());

  it('R10: a stack holds name, space, integration, repository, branch and project root', async () => {
    const stack = await stacks.createStack(ana(), { name: 'Prod Network', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/network', branch: 'main', projectRoot: 'envs/prod' }, scope);
    assert.deepEqual(stack, {
      id: 'prod-network', name: 'Prod Network', spaceId: 'platform', integrationId: 'platform-bb', detachedFrom: null,
      repository: 'acme/network', branch: 'main', projectRoot: 'envs/prod', state: 'attached',
      runner: { type: 'pipelines', pipeline: 'stackhook' }, autodeploy: false, allowForks: false, triggerPaths: ['envs/prod/**'], lastRun: null,
      driftSchedule: null, reconcile: 'off', drift: null,
    });
  });

  it('R26: a stack keeps its drift schedule (UTC unless a time zone is named) and reconcile; null turns the schedule off', async () => {
    const created = await stacks.createStack(ana(), { name: 'Drifty', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/drifty', branch: 'main', driftSchedule: { cron: '0 * * * *', timeZone: 'UTC' }, reconcile: 'propose' }, scope);
    assert.deepEqual([created.driftSchedule, created.reconcile], [{ cron: '0 * * * *', timeZone: 'UTC' }, 'propose']);
    const zoned = await stacks.updateStack(ana(), { stackId: 'drifty', driftSchedule: { cron: '30 6 * * 1-5', timeZone: 'Europe/Stockholm' } }, scope);
    assert.deepEqual([zoned.driftSchedule, zoned.reconcile], [{ cron: '30 6 * * 1-5', timeZone: 'Europe/Stockholm' }, 'propose']);
    await assert.rejects(stacks.updateStack(ana(), { stackId: 'drifty', driftSchedule: { cron: '0 25 * * *', timeZone: 'UTC' }, reconcile: 'off' }, scope), /not a cron expression/);
    const unchanged = (await stacks.listStacks(ana())).find((stack) => stack.id === 'drifty');
    assert.deepEqual([unchanged?.driftSchedule, unchanged?.reconcile], [{ cron: '30 6 * * 1-5', timeZone: 'Europe/Stockholm' }, 'propose'], 'a refused edit changed nothing');
    const off = await stacks.updateStack(ana(), { stackId: 'drifty', driftSchedule: null }, scope);
    assert.equal(off.driftSchedule, null);
  });

  it('a stack runs on its chosen runner; update changes the runner and the safety settings and nothing else', async () => {
    const local = { type: 'local' as const, plan: ['tofu', 'plan'], apply: ['tofu', 'apply', '-auto-approve'] };
    const created = await stacks.createStack(ana(), { name: 'Edge', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/edge', branch: 'main', runner: local }, scope);
    assert.deepEqual(created.runner, local);
    const updated = await stacks.updateStack(ana(), { stackId: 'edge', runner: { type: 'pipelines', pipeline: 'infra' }, autodeploy: true, allowForks: true }, scope);
    assert.deepEqual([updated.runner, updated.autodeploy, updated.allowForks, updated.branch, updated.repository], [{ type: 'pipelines', pipeline: 'infra' }, true, true, 'main', 'acme/edge']);
    assert.deepEqual((await stacks.listStacks(ana())).find((stack) => stack.id === 'edge')?.runner, { type: 'pipelines', pipeline: 'infra' });
  });

  it('R10: the integration must be usable from the stack\'s space (R4)', async () => {
    await assert.rejects(
      stacks.createStack(ana(), { name: 'x', spaceId: 'sealed', integrationId: 'platform-bb', repository: 'acme/x', branch: 'main', verify: false }, scope),
      (error: Error & { kind: string }) => error.kind === 'Forbidden' && /cannot be used from "sealed"/.test(error.message),
    );
    await assert.rejects(
      stacks.createStack(ana(), { name: 'y', spaceId: 'root', integrationId: 'platform-bb', repository: 'acme/y', branch: 'main', verify: false }, scope),
      (error: Error & { kind: string }) => error.kind === 'Forbidden',
    );
    assert.equal((await stacks.listStacks(ana())).length, 0);
  });

  it('R10: the repository must be one the integration\'s credentials can see; otherwise nothing is saved', async () => {
    world.bitbucket.getRepository.rejects(bitbucketError('Bitbucket has no repository acme/secret that ana@example.com can see (404).', 'not-found'));
    await assert.rejects(
      stacks.createStack(ana(), { name: 'x', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/secret', branch: 'main' }, scope),
      (error: Error & { kind: string }) => error.kind === 'Bitbucket',
    );
    assert.equal(world.bitbucket.getRepository.lastCall.args[0].secret, SECRET, 'checked with the integration\'s own credential');
    assert.equal((await stacks.listStacks(ana())).length, 0);
  });

  it('R12: a detached stack cannot trigger a run and says how to fix it; after reattaching it can', async () => {
    await stacks.createStack(ana(), { name: 'net', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/net', branch: 'main', verify: false }, scope);
    await integrations.deleteIntegration(ana(), { id: 'platform-bb' });
    await assert.rejects(stacks.triggerRun(ana(), { stackId: 'net' }), (error: Error & { kind: string }) => {
      assert.equal(error.kind, 'Detached');
      assert.match(error.message, /is detached from the deleted integration "platform-bb".*Give it an integration/);
      return true;
    });
    assert.equal(world.as('ana').runs.all().length, 0);
    await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await stacks.setIntegration(ana(), { stackId: 'net', integrationId: 'main' });
    const run = await stacks.triggerRun(ana(), { stackId: 'net' });
    assert.deepEqual([run.stackId, run.kind, run.trigger, run.branch], ['net', 'tracked', 'manual', 'main']);
  });

  it('R12: reattaching needs an integration usable from the stack\'s space', async () => {
    await spaces.createSpace(ana(), { name: 'other', parentId: 'root', inheritEntities: true });
    await integrations.createIntegration(ana(), { name: 'Other BB', type: 'space', spaceId: 'other', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await stacks.createStack(ana(), { name: 'net', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/net', branch: 'main', verify: false }, scope);
    await assert.rejects(stacks.setIntegration(ana(), { stackId: 'net', integrationId: 'other-bb' }), (error: Error & { kind: string }) => error.kind === 'Forbidden');
  });

  it('R6: a stack created without a space on an integration the user cannot list is NotFound and does not name its space', async () => {
    const refusal = await stacks
      .createStack(world.as('bob'), { name: 'Edge', integrationId: 'platform-bb', repository: 'acme/edge', branch: 'main', verify: false }, scope)
      .then(() => assert.fail('bob cannot list platform-bb'), (error: { kind?: string; message: string }) => error);
    assert.equal(refusal.kind, 'NotFound');
    assert.doesNotMatch(refusal.message, /space/i);
  });

  it('stack names are unique by id, and readers of a space see its stacks while others do not', async () => {
    await stacks.createStack(ana(), { name: 'net', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/net', branch: 'main', verify: false }, scope);
    await assert.rejects(
      stacks.createStack(ana(), { name: 'NET', spaceId: 'platform', integrationId: 'platform-bb', repository: 'acme/net', branch: 'main', verify: false }, scope),
      (error: Error & { kind: string }) => error.kind === 'Conflict',
    );
    await spaces.grantAccess(ana(), { user: 'bo', spaceId: 'platform', role: 'read' });
    assert.equal((await stacks.listStacks(world.as('bo'))).length, 1);
    assert.equal((await stacks.listStacks(world.as('cy'))).length, 0);
    await assert.rejects(stacks.triggerRun(world.as('bo'), { stackId: 'net' }), (error: Error & { kind: string }) => error.kind === 'Forbidden');
  });
});
