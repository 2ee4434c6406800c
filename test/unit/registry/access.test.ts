// R6–R8 as a matrix: who may list, see the details of, create, update and delete an integration,
// for every role granted on the integration's space, an ancestor, a descendant and a sibling.
import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import * as spaces from '../../../server/operations/spaces';
import type { Role } from '../../../server/protocol';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

type Where = 'own space' | 'ancestor (root)' | 'descendant' | 'sibling';
const SPACE_OF: Record<Where, string> = { 'own space': 'platform', 'ancestor (root)': 'root', descendant: 'platform-eu', sibling: 'payments' };
const ROLES: (Role | 'none')[] = ['none', 'read', 'write', 'admin'];

describe('registry/access: the integration access matrix (R6, R7, R8)', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    const ana = world.as('ana');
    await spaces.createSpace(ana, { name: 'platform', parentId: 'root', inheritEntities: true });
    await spaces.createSpace(ana, { name: 'platform eu', parentId: 'platform', inheritEntities: true });
    await spaces.createSpace(ana, { name: 'payments', parentId: 'root', inheritEntities: true });
    await integrations.createIntegration(ana, { name: 'Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-main-secret', verify: false }, scope);
    await integrations.createIntegration(ana, { name: 'Platform BB', type: 'space', spaceId: 'platform', username: 'ana@example.com', secret: 'ATATT-platform-secret', verify: false }, scope);
  });
  afterEach(() => world.close());

  for (const where of Object.keys(SPACE_OF) as Where[]) {
    for (const role of ROLES) {
      const covers = where === 'own space' || where === 'ancestor (root)';
      const coversRoot = where === 'ancestor (root)';
      const atLeast = (needed: Role) => role !== 'none' && ROLES.indexOf(role) >= ROLES.indexOf(needed);

      it(`R6/R8: space integration, ${role} on ${where}: list ${covers && atLeast('read') ? 'yes' : 'no'}, details and manage ${covers && atLeast('admin') ? 'yes' : 'no'}`, async () => {
        const user = `user-${role}`;
        if (role !== 'none') await spaces.grantAccess(world.as('ana'), { user, spaceId: SPACE_OF[where], role });
        const as = world.as(user);
        const listed = (await integrations.listIntegrations(as)).some((i) => i.id === 'platform-bb');
        assert.equal(listed, covers && atLeast('read'), 'list');
        const admin = covers && atLeast('admin');
        const hidden = listed ? 'Forbidden' : 'NotFound';
        assert.equal(await kindOf(() => integrations.getIntegration(as, { id: 'platform-bb' })), admin ? 'allowed' : hidden, 'details');
        assert.equal(await kindOf(() => integrations.updateIntegration(as, { id: 'platform-bb', labels: ['x'] }, scope)), admin ? 'allowed' : hidden, 'update');
        assert.equal(
          await kindOf(() => integrations.createIntegration(as, { name: `New ${role} ${where}`, type: 'space', spaceId: 'platform', username: 'u@example.com', secret: 'ATATT-new-secret', verify: false }, scope)),
          // A space the user cannot see is reported as absent, not as forbidden.
          admin ? 'allowed' : listed ? 'Forbidden' : 'NotFound',
          'create',
        );
        assert.equal(await kindOf(() => integrations.deleteIntegration(as, { id: 'platform-bb' })), admin ? 'allowed' : hidden, 'delete');
      });

      it(`R7/R8: default integration, ${role} on ${where}: listed always, details and manage ${coversRoot && atLeast('admin') ? 'yes' : 'no'}`, async () => {
        const user = `user-${role}`;
        if (role !== 'none') await spaces.grantAccess(world.as('ana'), { user, spaceId: SPACE_OF[where], role });
        const as = world.as(user);
        const summary = (await integrations.listIntegrations(as)).find((i) => i.id === 'main');
        assert.ok(summary, 'a default integration is listed to every user');
        const admin = coversRoot && atLeast('admin');
        assert.equal(summary.detailsVisible, admin);
        assert.equal(await kindOf(() => integrations.getIntegration(as, { id: 'main' })), admin ? 'allowed' : 'Forbidden', 'details');
        assert.equal(await kindOf(() => integrations.updateIntegration(as, { id: 'main', description: 'x' }, scope)), admin ? 'allowed' : 'Forbidden', 'update');
        assert.equal(await kindOf(() => integrations.deleteIntegration(as, { id: 'main' })), admin ? 'allowed' : 'Forbidden', 'delete');
      });
    }
  }

  it('R6: a summary never carries details, and says whether the details are visible', async () => {
    await spaces.grantAccess(world.as('ana'), { user: 'bo', spaceId: 'platform', role: 'read' });
    const [summary] = (await integrations.listIntegrations(world.as('bo'))).filter((i) => i.id === 'platform-bb');
    assert.deepEqual(Object.keys(summary ?? {}).sort(), ['detailsVisible', 'id', 'labels', 'name', 'spaceId', 'type']);
    assert.equal(summary?.detailsVisible, false);
  });

  it('a role on a space holds on all its descendants, and granting needs admin there', async () => {
    await spaces.grantAccess(world.as('ana'), { user: 'bo', spaceId: 'platform', role: 'admin' });
    await spaces.grantAccess(world.as('bo'), { user: 'cy', spaceId: 'platform-eu', role: 'read' });
    assert.equal(await kindOf(() => spaces.grantAccess(world.as('bo'), { user: 'cy', spaceId: 'payments', role: 'read' })), 'NotFound', 'a space bo cannot see');
    assert.equal(await kindOf(() => spaces.grantAccess(world.as('cy'), { user: 'dee', spaceId: 'platform-eu', role: 'admin' })), 'Forbidden');
  });
});
