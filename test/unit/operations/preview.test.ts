import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import { previewIntegration } from '../../../server/operations/preview';
import * as stacks from '../../../server/operations/stacks';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

describe('operations/preview: the id and webhook URL a name would give', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
  });
  afterEach(() => world.close());

  it('R5: shows the derived id and URL while the name is typed', async () => {
    assert.deepEqual(await previewIntegration(world.as('ana'), { name: ' Prod BB ' }), {
      id: 'prod-bb',
      webhookUrl: 'https://hooks.example.com/webhooks/bitbucket-cloud/prod-bb',
    });
  });

  it('R2, R5: an empty name, one without letters or digits, and a colliding one each say what is wrong', async () => {
    assert.match((await previewIntegration(world.as('ana'), { name: '' })).problem ?? '', /Enter a name/);
    assert.match((await previewIntegration(world.as('ana'), { name: '--!' })).problem ?? '', /no Latin letter \(a–z\) or digit \(0–9\).*webhook URL/);
    // Said in words a person can act on: what is allowed, never the protocol's own text.
    assert.match((await previewIntegration(world.as('ana'), { name: '東京' })).problem ?? '', /Add at least one: any other characters may stay/);
    assert.match((await previewIntegration(world.as('ana'), { name: 'prod\u202egnp' })).problem ?? '', /text-direction marks/);
    assert.match((await previewIntegration(world.as('ana'), { name: 'x'.repeat(150) })).problem ?? '', /at most 100 characters; this one has 150/);
    await integrations.createIntegration(world.as('ana'), { name: 'Prod BB', type: 'default', username: 'ana@example.com', secret: 'ATATT-preview', verify: false }, scope);
    assert.match((await previewIntegration(world.as('ana'), { name: 'prod_bb' })).problem ?? '', /the integration "Prod BB" already has/);
  });

  it('R13: reusing a deleted integration\'s name says its URL comes back and how many stacks can be reattached', async () => {
    await integrations.createIntegration(world.as('ana'), { name: 'Prod BB', type: 'default', username: 'ana@example.com', secret: 'ATATT-preview', verify: false }, scope);
    await stacks.createStack(world.as('ana'), { name: 'net', spaceId: 'root', integrationId: 'prod-bb', repository: 'acme/net', branch: 'main', verify: false }, scope);
    await integrations.deleteIntegration(world.as('ana'), { id: 'prod-bb' });
    const preview = await previewIntegration(world.as('ana'), { name: 'Prod BB' });
    assert.equal(preview.problem, undefined);
    assert.match(preview.note ?? '', /1 detached stack can be reattached/);
  });
});
