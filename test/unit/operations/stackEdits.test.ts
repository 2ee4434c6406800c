import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import { previewStack } from '../../../server/operations/preview';
import * as repositories from '../../../server/operations/repositories';
import * as stacks from '../../../server/operations/stacks';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

const HEAD = 'c'.repeat(40);

describe('operations/stacks: edit, branch checks and the name preview', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    world.bitbucket.getBranch.callsFake(async (_credential, _repository, name) => (['main', 'develop'].includes(name) ? { name, commit: HEAD } : null));
    world.bitbucket.listBranches.resolves([
      { name: 'main', commit: HEAD },
      { name: 'develop', commit: HEAD },
    ]);
    await integrations.createIntegration(world.as('ana'), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-edit', verify: false }, scope);
  });
  afterEach(() => world.close());

  const create = (branch: string) =>
    stacks.createStack(world.as('ana'), { name: 'Prod Network', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch }, scope);

  it('create refuses a branch the repository does not have, naming the ones it has', async () => {
    await assert.rejects(create('mian'), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'Invalid');
      assert.match(error.message, /acme\/network has no branch "mian"\. Its branches: main, develop/);
      return true;
    });
    assert.deepEqual(await stacks.listStacks(world.as('ana')), [], 'nothing was saved');
  });

  it('update changes the branch and project root after checking the branch with Bitbucket', async () => {
    await create('main');
    const updated = await stacks.updateStack(world.as('ana'), { stackId: 'prod-network', branch: 'develop', projectRoot: 'envs/prod' }, scope);
    assert.equal(updated.branch, 'develop');
    assert.equal(updated.projectRoot, 'envs/prod');
    assert.equal(world.bitbucket.getBranch.lastCall.args[2], 'develop');
  });

  it('update refuses a missing branch and changes nothing; verify: false skips the check', async () => {
    await create('main');
    assert.equal(await kindOf(() => stacks.updateStack(world.as('ana'), { stackId: 'prod-network', branch: 'mian', projectRoot: 'x' }, scope)), 'Invalid');
    const [unchanged] = await stacks.listStacks(world.as('ana'));
    assert.deepEqual([unchanged?.branch, unchanged?.projectRoot], ['main', '']);
    const unchecked = await stacks.updateStack(world.as('ana'), { stackId: 'prod-network', branch: 'release/next', verify: false }, scope);
    assert.equal(unchecked.branch, 'release/next');
  });

  it('update needs write access on the stack\'s space', async () => {
    await create('main');
    assert.equal(await kindOf(() => stacks.updateStack(world.as('bo'), { stackId: 'prod-network', projectRoot: 'x' }, scope)), 'NotFound');
  });

  it('repositories/branches lists the branches through the integration\'s credential', async () => {
    const branches = await repositories.listBranches(world.as('ana'), { integrationId: 'acme-main', repository: 'acme/network' }, scope);
    assert.deepEqual(branches.map((branch) => branch.name), ['main', 'develop']);
    assert.equal(world.bitbucket.listBranches.lastCall.args[1], 'acme/network');
  });

  it('the stack name preview gives the id and refuses a name whose id is taken, while it is typed', async () => {
    assert.deepEqual(await previewStack(world.as('ana'), { name: 'Prod Network' }), { id: 'prod-network' });
    await create('main');
    assert.match((await previewStack(world.as('ana'), { name: 'prod_network' })).problem ?? '', /the stack "Prod Network" already has/);
    assert.match((await previewStack(world.as('ana'), { name: '  ' })).problem ?? '', /Enter a name/);
  });
});

describe('operations/stacks: the space of a new stack and which webhook states are repairable', () => {
  it('a stack created without a space lives in its integration\'s space', async () => {
    const world = await testWorld('ana');
    try {
      const ana = world.as('ana');
      const { createSpace } = await import('../../../server/operations/spaces');
      await createSpace(ana, { name: 'Payments', parentId: 'root', inheritEntities: true });
      await integrations.createIntegration(ana, { name: 'Pay BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: 'ATATT-s', verify: false }, scope);
      const created = await stacks.createStack(ana, { name: 'Ledger', integrationId: 'pay-bb', repository: 'acme/ledger', branch: 'main', verify: false }, scope);
      assert.equal(created.spaceId, 'payments');
    } finally {
      world.close();
    }
  });

  it('webhooks/status says which states Configure repairs', async () => {
    const world = await testWorld('ana');
    try {
      const ana = world.as('ana');
      await integrations.createIntegration(ana, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-r', verify: false }, scope);
      world.bitbucket.webhookStatus.resolves([
        { repository: 'acme/a', state: 'missing', problems: [] },
        { repository: 'acme/b', state: 'drifted', problems: ['inactive'] },
        { repository: 'acme/c', state: 'forbidden', problems: ['403'] },
        { repository: 'acme/d', state: 'ok', problems: [] },
      ]);
      const health = await repositories.webhooksStatus(ana, { integrationId: 'acme-main', repositories: ['acme/a', 'acme/b', 'acme/c', 'acme/d'] }, scope);
      assert.deepEqual(health.map((entry) => [entry.repository, entry.repairable]), [
        ['acme/a', true],
        ['acme/b', true],
        ['acme/c', false],
        ['acme/d', false],
      ]);
    } finally {
      world.close();
    }
  });
});
