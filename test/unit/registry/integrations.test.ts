import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as integrations from '../../../server/operations/integrations';
import * as spaces from '../../../server/operations/spaces';
import * as stacks from '../../../server/operations/stacks';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

const SECRET = 'ATATT3xFfGF0-very-secret-token';

describe('registry/integrations', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    await spaces.createSpace(world.as('ana'), { name: 'payments', parentId: 'root', inheritEntities: true });
  });
  afterEach(() => world.close());
  const ana = () => world.as('ana');

  it('R1: an integration holds name, type, space, username, labels (a set) and a markdown description', async () => {
    const created = await integrations.createIntegration(
      ana(),
      { name: 'Payments BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, labels: ['prod', ' prod ', 'team:payments'], description: '# Payments\nUsed by **prod**.', verify: false },
      scope,
    );
    assert.equal(created.name, 'Payments BB');
    assert.equal(created.type, 'space');
    assert.equal(created.spaceId, 'payments');
    assert.equal(created.username, 'ana@example.com');
    assert.deepEqual(created.labels, ['prod', 'team:payments']);
    assert.equal(created.description, '# Payments\nUsed by **prod**.');
    assert.equal(created.credentialType, 'api_token');
    assert.equal(created.webhookSecretSet, true);
  });

  it('R1: a default integration lives in the root space; giving it another space is refused', async () => {
    const created = await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    assert.equal(created.spaceId, 'root');
    assert.equal(await kindOf(() => integrations.createIntegration(ana(), { name: 'Other', type: 'default', spaceId: 'payments', username: 'a@b.c', secret: SECRET, verify: false }, scope)), 'Invalid');
  });

  it('R2: names are unique by derived id, so "Prod BB" and "prod-bb" collide', async () => {
    await integrations.createIntegration(ana(), { name: 'Prod BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const clash = integrations.createIntegration(ana(), { name: 'prod-bb', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await assert.rejects(clash, (error: Error & { kind: string }) => error.kind === 'Conflict' && /already has/.test(error.message));
  });

  it('R3: a second default integration is refused; any number of space-level ones are fine', async () => {
    await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await assert.rejects(
      integrations.createIntegration(ana(), { name: 'Main 2', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope),
      (error: Error & { kind: string }) => error.kind === 'Conflict' && /only one is allowed/.test(error.message),
    );
    for (const name of ['Team A', 'Team B', 'Team C']) {
      await integrations.createIntegration(ana(), { name, type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    }
    assert.equal((await integrations.listIntegrations(ana())).length, 4);
  });

  it('R9: the credential is never in the registry file, the results or the log, and credentials.json is 0600', async () => {
    const created = await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const details = await integrations.getIntegration(ana(), { id: created.id });
    assert.ok(!JSON.stringify(created).includes(SECRET));
    assert.ok(!JSON.stringify(details).includes(SECRET));
    assert.ok(!readFileSync(path.join(world.folder, 'registry.json'), 'utf8').includes(SECRET));
    assert.ok(!world.logLines.join('\n').includes(SECRET));
    assert.equal(statSync(path.join(world.folder, 'credentials.json')).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(world.folder, 'registry.json')).mode & 0o777, 0o600);
    assert.equal(await world.as('ana').credentials.get(created.id), SECRET);
  });

  it('R9: a failed credential check saves nothing and its message carries no secret', async () => {
    world.bitbucket.testCredential.resolves({
      ok: false,
      problem: { code: 'unauthorized', message: 'Bitbucket refused the API token for ana@example.com (401).' },
      curl: 'curl -u ana@example.com:ATAT•••••• https://api.bitbucket.org/2.0/user',
    });
    await assert.rejects(
      integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET }, scope),
      (error: Error & { kind: string; data: { problem?: string } }) => {
        assert.equal(error.kind, 'Bitbucket');
        assert.equal(error.data.problem, 'unauthorized');
        assert.ok(!error.message.includes(SECRET));
        return true;
      },
    );
    assert.equal((await integrations.listIntegrations(ana())).length, 0);
    assert.equal(await world.as('ana').credentials.get('main'), null);
  });

  it('app passwords are refused with the reason: Bitbucket removed them in July 2026', async () => {
    await assert.rejects(
      integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana', secret: SECRET, credentialType: 'app_password', verify: false }, scope),
      (error: Error & { kind: string }) => error.kind === 'Invalid' && /removed app passwords on 28 July 2026/.test(error.message),
    );
  });

  it('R11: deleting an integration used by stacks is allowed and detaches exactly those stacks', async () => {
    const a = await integrations.createIntegration(ana(), { name: 'A', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const b = await integrations.createIntegration(ana(), { name: 'B', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await stacks.createStack(ana(), { name: 'one', spaceId: 'payments', integrationId: a.id, repository: 'acme/one', branch: 'main', verify: false }, scope);
    await stacks.createStack(ana(), { name: 'two', spaceId: 'payments', integrationId: b.id, repository: 'acme/two', branch: 'main', verify: false }, scope);
    const { detachedStackIds } = await integrations.deleteIntegration(ana(), { id: b.id });
    assert.deepEqual(detachedStackIds, ['two']);
    const listed = await stacks.listStacks(ana());
    assert.deepEqual(listed.map((s) => [s.id, s.state, s.integrationId, s.detachedFrom]), [['one', 'attached', 'a', null], ['two', 'detached', null, 'b']]);
    assert.equal(await world.as('ana').credentials.get(b.id), null, 'the deleted integration\'s credential is removed');
  });

  it('R13: recreating with the same name keeps the webhook URL and secret, and leaves the old stacks detached, offering them for reattachment', async () => {
    const first = await integrations.createIntegration(ana(), { name: 'Prod BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await stacks.createStack(ana(), { name: 'net', spaceId: 'payments', integrationId: first.id, repository: 'acme/net', branch: 'main', verify: false }, scope);
    const { secret: firstSecret } = await integrations.webhookSecret(ana(), { id: first.id });
    await integrations.deleteIntegration(ana(), { id: first.id });
    const second = await integrations.createIntegration(ana(), { name: 'prod bb', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    assert.equal(second.webhookUrl, first.webhookUrl);
    assert.equal((await integrations.webhookSecret(ana(), { id: second.id })).secret, firstSecret, 'and the same webhook secret, so Bitbucket\'s hooks need no edit');
    assert.deepEqual(second.reattachableStackIds, ['net']);
    assert.equal((await stacks.listStacks(ana()))[0]?.state, 'detached');
    const result = await stacks.reattachAll(ana(), { integrationId: second.id });
    assert.deepEqual(result, { reattachedStackIds: ['net'], skipped: [] });
    assert.equal((await stacks.listStacks(ana()))[0]?.integrationId, 'prod-bb');
  });

  it('R13: reattach-all skips stacks the recreated integration is not usable from, and says why', async () => {
    await spaces.createSpace(ana(), { name: 'cards', parentId: 'root', inheritEntities: true });
    const first = await integrations.createIntegration(ana(), { name: 'Shared', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    await stacks.createStack(ana(), { name: 'cards-net', spaceId: 'cards', integrationId: first.id, repository: 'acme/net', branch: 'main', verify: false }, scope);
    await integrations.deleteIntegration(ana(), { id: first.id });
    const again = await integrations.createIntegration(ana(), { name: 'Shared', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const result = await stacks.reattachAll(ana(), { integrationId: again.id });
    assert.deepEqual(result.reattachedStackIds, []);
    assert.match(result.skipped[0]?.reason ?? '', /not usable from the space "cards"/);
  });

  it('the webhook secret is readable and regenerable by admins only (R17), and regenerating changes it', async () => {
    const created = await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const { secret } = await integrations.webhookSecret(ana(), { id: created.id });
    assert.ok(secret.length >= 32);
    const { secret: again } = await integrations.webhookSecret(ana(), { id: created.id, regenerate: true });
    assert.notEqual(again, secret);
    await spaces.grantAccess(ana(), { user: 'bo', spaceId: 'root', role: 'write' });
    assert.equal(await kindOf(() => integrations.webhookSecret(world.as('bo'), { id: created.id })), 'Forbidden');
  });

  it('editing changes labels, description and username, and a new secret is checked before it is saved', async () => {
    await integrations.createIntegration(ana(), { name: 'Main', type: 'default', username: 'ana@example.com', secret: SECRET, verify: false }, scope);
    const edited = await integrations.updateIntegration(ana(), { id: 'main', labels: ['a', 'b', 'a'], description: 'new', username: 'bo@example.com', secret: 'ATATT-another-secret' }, scope);
    assert.deepEqual(edited.labels, ['a', 'b']);
    assert.equal(edited.username, 'bo@example.com');
    assert.equal(world.bitbucket.testCredential.lastCall.args[0].secret, 'ATATT-another-secret');
    assert.equal(await world.as('ana').credentials.get('main'), 'ATATT-another-secret');
  });
});
