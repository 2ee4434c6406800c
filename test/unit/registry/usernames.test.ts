import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import { usernameProblem } from '../../../server/registry/usernames';
import { kindOf, scope, testWorld } from '../../support/testContext';

describe('registry/usernames: an API token signs in with the account email', () => {
  it('refuses an empty username and a Bitbucket username; accepts an email', () => {
    assert.match(usernameProblem('  ') ?? '', /Enter the email/);
    assert.match(usernameProblem('ana') ?? '', /not a Bitbucket username/);
    assert.match(usernameProblem('ana@example') ?? '', /account email/);
    assert.equal(usernameProblem(' ana@example.com '), undefined);
  });

  it('checkUsername answers what create and update enforce, and a refusal saves nothing', async () => {
    const world = await testWorld('ana');
    try {
      const ana = world.as('ana');
      assert.match((await integrations.checkUsername(ana, { username: 'ana' })).problem ?? '', /not a Bitbucket username/);
      assert.deepEqual(await integrations.checkUsername(ana, { username: 'ana@example.com' }), {});
      const create = { name: 'Acme Main', type: 'default' as const, username: 'ana', secret: 'ATATT-u', verify: false };
      assert.equal(await kindOf(() => integrations.createIntegration(ana, create, scope)), 'Invalid');
      assert.deepEqual(await integrations.listIntegrations(ana), []);
      await integrations.createIntegration(ana, { ...create, username: 'ana@example.com' }, scope);
      assert.equal(await kindOf(() => integrations.updateIntegration(ana, { id: 'acme-main', username: 'ana', verify: false }, scope)), 'Invalid');
      assert.equal((await integrations.getIntegration(ana, { id: 'acme-main' })).username, 'ana@example.com');
    } finally {
      world.close();
    }
  });
});
