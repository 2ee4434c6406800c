import { strict as assert } from 'node:assert';
import { deletePreview, expectedWebhooks } from '../../../server/operations/expectedWebhooks';
import * as integrations from '../../../server/operations/integrations';
import * as stacks from '../../../server/operations/stacks';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

describe('operations/expectedWebhooks: which repositories need a hook, and what a delete detaches', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    const ana = world.as('ana');
    for (const name of ['Acme Main', 'Acme Ops']) {
      await integrations.createIntegration(ana, { name, type: name === 'Acme Main' ? 'default' : 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-x', verify: false }, scope);
    }
    const stack = (name: string, integrationId: string, repository: string) =>
      stacks.createStack(ana, { name, spaceId: 'root', integrationId, repository, branch: 'main', verify: false }, scope);
    await stack('Prod Network', 'acme-main', 'acme/network');
    await stack('Stage Network', 'acme-main', 'acme/network');
    await stack('DNS', 'acme-main', 'acme/dns');
    await stack('Ops', 'acme-ops', 'acme/ops');
  });
  afterEach(() => world.close());

  it('groups the attached stacks of an integration by repository, once per repository', async () => {
    assert.deepEqual(await expectedWebhooks(world.as('ana'), { integrationId: 'acme-main' }), [
      { integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'prod-network', name: 'Prod Network' }, { id: 'stage-network', name: 'Stage Network' }] },
      { integrationId: 'acme-main', repository: 'acme/dns', stacks: [{ id: 'dns', name: 'DNS' }] },
    ]);
    assert.equal((await expectedWebhooks(world.as('ana'), {})).length, 3, 'every integration when none is named');
  });

  it('a detached stack needs no hook', async () => {
    await integrations.deleteIntegration(world.as('ana'), { id: 'acme-ops' });
    assert.deepEqual((await expectedWebhooks(world.as('ana'), {})).map((entry) => entry.repository), ['acme/network', 'acme/dns']);
  });

  it('the delete preview names the stacks R11 would detach and the repositories of their hooks; only for who may delete', async () => {
    assert.deepEqual(await deletePreview(world.as('ana'), { id: 'acme-main' }), {
      detachedStacks: [
        { id: 'prod-network', name: 'Prod Network' },
        { id: 'stage-network', name: 'Stage Network' },
        { id: 'dns', name: 'DNS' },
      ],
      repositories: ['acme/network', 'acme/dns'],
    });
    assert.notEqual(await kindOf(() => deletePreview(world.as('bo'), { id: 'acme-main' })), 'allowed');
  });
});
