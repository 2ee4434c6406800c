// Plan policies in the registry (server/registry/policies.ts, server/operations/policies.ts): set,
// list and delete on a stack and a space, the rule schemas refusing what the issue does not name,
// inheritance down spaces as R4 has it, and R30: writers set warn rules, deny is admin's.
import { strict as assert } from 'node:assert';
import * as policies from '../../../server/operations/policies';
import * as spaces from '../../../server/operations/spaces';
import * as stacks from '../../../server/operations/stacks';
import { PoliciesSet, type PolicyRule } from '../../../server/protocol';
import { rulesForStack } from '../../../server/registry/policies';
import { kindOf, testWorld, type TestWorld } from '../../support/testContext';

const warnDestroys: PolicyRule = { kind: 'maxDestroys', limit: 3, effect: 'warn' };
const denyDatabases: PolicyRule = { kind: 'protectedTypes', types: ['aws_db_instance'], actions: ['delete', 'replace'], effect: 'deny' };

describe('plan policies: registry and access', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    const ana = world.as('ana');
    await spaces.createSpace(ana, { name: 'prod', parentId: 'root', inheritEntities: true });
    await spaces.createSpace(ana, { name: 'eu', parentId: 'prod', inheritEntities: true });
    await spaces.createSpace(ana, { name: 'sandbox', parentId: 'prod', inheritEntities: false });
    await ana.store.update((draft) => {
      draft.integrations.push({ id: 'main', name: 'Main', type: 'default', spaceId: 'root', username: 'ana@example.com', credentialType: 'api_token', labels: [], description: '', webhookSecret: null, createdAt: 'now' });
      for (const [id, spaceId] of [['eu-net', 'eu'], ['sandbox-net', 'sandbox']]) {
        draft.stacks.push({ id, name: id, spaceId, integrationId: 'main', detachedFrom: null, repository: 'acme/net', branch: 'main', projectRoot: '', createdAt: 'now' } as never);
      }
    });
    await spaces.grantAccess(ana, { user: 'wes', spaceId: 'eu', role: 'write' });
    await spaces.grantAccess(ana, { user: 'ada', spaceId: 'eu', role: 'admin' });
  });
  afterEach(() => world.close());

  it('the rule schemas: exactly the five kinds, with their fields, and nothing else', () => {
    const parse = (rules: unknown[]) => PoliciesSet.params.safeParse({ stackId: 'eu-net', rules }).success;
    assert.ok(parse([warnDestroys, denyDatabases, { kind: 'maxReplaces', limit: 0, effect: 'deny' }, { kind: 'onlyModules', modules: ['module.app'], effect: 'warn' }, { kind: 'noDrift', effect: 'warn' }]));
    assert.ok(!parse([{ kind: 'opa', effect: 'deny' }]), 'an unknown kind');
    assert.ok(!parse([{ kind: 'noDrift', effect: 'block' }]), 'an unknown effect');
    assert.ok(!parse([{ kind: 'maxDestroys', limit: -1, effect: 'warn' }]), 'a negative limit');
    assert.ok(!parse([{ ...denyDatabases, actions: ['read'] }]), 'reading is never protected against');
    assert.ok(!parse([{ ...denyDatabases, types: ['aws db'] }]), 'a type pattern with a space');
    assert.ok(!parse([{ kind: 'onlyModules', modules: ['network'], effect: 'warn' }]), 'a module address must start with module.');
    assert.ok(!parse([{ kind: 'noDrift', effect: 'warn', extra: true }]), 'an unknown field');
    assert.ok(!PoliciesSet.params.safeParse({ stackId: 'eu-net', spaceId: 'eu', rules: [] }).success, 'both a stack and a space');
  });

  it('set, list and delete on a stack; a set with no rules removes them', async () => {
    const wes = world.as('wes');
    const listed = await policies.setPolicies(wes, { stackId: 'eu-net', rules: [warnDestroys] });
    assert.deepEqual(listed.rules, [{ rule: warnDestroys, source: { kind: 'stack', id: 'eu-net' }, inherited: false }]);
    assert.deepEqual(world.changes.at(-1), ['policies']);
    assert.deepEqual((await policies.listPolicies(world.as('ana'), { stackId: 'eu-net' })).rules.map((l) => l.rule), [warnDestroys]);
    await policies.setPolicies(wes, { stackId: 'eu-net', rules: [] });
    assert.deepEqual((await world.as('ana').store.read()).policies, []);
    await policies.setPolicies(wes, { stackId: 'eu-net', rules: [warnDestroys] });
    await policies.deletePolicies(wes, { stackId: 'eu-net' });
    assert.equal(await kindOf(() => policies.deletePolicies(wes, { stackId: 'eu-net' })), 'NotFound', 'nothing left to delete');
  });

  it('R30: a writer sets warn rules; deny rules, and replacing or deleting rules that deny, are admin\'s', async () => {
    const wes = world.as('wes');
    assert.equal(await kindOf(() => policies.setPolicies(wes, { stackId: 'eu-net', rules: [denyDatabases] })), 'Forbidden');
    await policies.setPolicies(world.as('ada'), { stackId: 'eu-net', rules: [denyDatabases] });
    assert.equal(await kindOf(() => policies.setPolicies(wes, { stackId: 'eu-net', rules: [warnDestroys] })), 'Forbidden', 'a writer cannot lift a deny by replacing it');
    assert.equal(await kindOf(() => policies.deletePolicies(wes, { stackId: 'eu-net' })), 'Forbidden');
    const listed = await policies.listPolicies(wes, { stackId: 'eu-net' });
    assert.deepEqual([listed.canSetWarn, listed.canSetDeny], [false, false]);
    assert.deepEqual((await world.as('ana').store.read()).policies?.[0]?.rules, [denyDatabases], 'the refusals changed nothing');
    assert.equal(await kindOf(() => policies.listPolicies(world.as('nobody'), { stackId: 'eu-net' })), 'NotFound');
  });

  it('inheritance: a space\'s rules hold below it while every space on the way down inherits entities (as R4)', async () => {
    const ana = world.as('ana');
    await policies.setPolicies(ana, { spaceId: 'root', rules: [{ kind: 'noDrift', effect: 'warn' }] });
    await policies.setPolicies(ana, { spaceId: 'prod', rules: [denyDatabases] });
    await policies.setPolicies(ana, { stackId: 'eu-net', rules: [warnDestroys] });
    const state = await ana.store.read();
    const sources = (stackId: string) => rulesForStack(state, state.stacks.find((s) => s.id === stackId) as never).map((r) => `${r.source.kind}:${r.source.id}:${r.rule.kind}`);
    assert.deepEqual(sources('eu-net'), ['stack:eu-net:maxDestroys', 'space:prod:protectedTypes', 'space:root:noDrift'], 'own rules first, then nearest space up');
    assert.deepEqual(sources('sandbox-net'), [], 'sandbox does not inherit entities, so neither prod\'s nor root\'s rules reach it');
    await policies.setPolicies(ana, { spaceId: 'sandbox', rules: [warnDestroys] });
    const later = await ana.store.read();
    assert.deepEqual(rulesForStack(later, later.stacks.find((s) => s.id === 'sandbox-net') as never).map((r) => r.source.id), ['sandbox'], "a stack always holds to its own space's rules");
    const listed = await policies.listPolicies(world.as('wes'), { stackId: 'eu-net' });
    assert.deepEqual(listed.rules.map((l) => [l.inherited, l.source.id]), [[false, 'eu-net'], [true, null], [true, null]], 'spaces above the user\'s sight hold but are not named');
    assert.deepEqual((await policies.listPolicies(ana, { spaceId: 'eu' })).rules.map((l) => l.source.id), ['prod', 'root']);
  });

  it('deleting a stack forgets its policies', async () => {
    await policies.setPolicies(world.as('wes'), { stackId: 'eu-net', rules: [warnDestroys] });
    await stacks.deleteStack(world.as('wes'), { stackId: 'eu-net' });
    assert.deepEqual((await world.as('ana').store.read()).policies, []);
  });
});
