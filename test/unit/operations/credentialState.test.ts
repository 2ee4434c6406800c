// A credential Bitbucket refused stays refused on the integration (why and when) until a request
// through it succeeds: a listing or webhook request, a Test Connection, or a new token that was checked.
import { strict as assert } from 'node:assert';
import { bitbucketError } from '../../../server/errors';
import * as integrations from '../../../server/operations/integrations';
import { handlers } from '../../../server/rpc/handlers';
import * as Protocol from '../../../server/protocol';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

const REFUSAL = 'Bitbucket refused the API token of ana@example.com (401): it is wrong, revoked or expired.';

function invoke(world: TestWorld, method: string, params: unknown) {
  const handler = handlers.find((candidate) => candidate.method === method);
  assert.ok(handler, method);
  return handler.invoke(world.as('ana'), params, scope);
}

async function refusedState(world: TestWorld) {
  return (await integrations.listIntegrations(world.as('ana'))).find((integration) => integration.id === 'acme-main')?.credentialRefused;
}

describe('operations/credentialState: a refused credential keeps a lasting state', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    await integrations.createIntegration(world.as('ana'), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-first', verify: false }, scope);
  });
  afterEach(() => world.close());

  it('a refusal while listing repositories is kept with its reason and time, and the error still reaches the editor', async () => {
    assert.equal(await refusedState(world), undefined, 'nothing refused yet');
    world.bitbucket.listRepositories.rejects(bitbucketError(`${REFUSAL} To check by hand: curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user`, 'unauthorized'));
    assert.equal(await kindOf(() => invoke(world, Protocol.RepositoriesList.method, { integrationId: 'acme-main' })), 'Bitbucket');
    const state = await refusedState(world);
    assert.equal(state?.reason, REFUSAL, 'the reason, without the curl');
    assert.equal(state?.at, '2026-11-25T12:00:00.000Z');
    assert.ok(world.changes.some((topics) => topics.includes('integrations')), 'editors are told to redraw');
    // …and in the details every view reads.
    assert.equal((await integrations.getIntegration(world.as('ana'), { id: 'acme-main' })).credentialRefused?.reason, REFUSAL);
  });

  it('Bitbucket not reached (network, rate limit) is not a refusal of the credential', async () => {
    world.bitbucket.listRepositories.rejects(bitbucketError('Bitbucket did not answer in time.', 'timeout'));
    await kindOf(() => invoke(world, Protocol.RepositoriesList.method, { integrationId: 'acme-main' }));
    assert.equal(await refusedState(world), undefined);
  });

  it('stays until a request through the credential succeeds, then is cleared', async () => {
    world.bitbucket.webhookStatus.rejects(bitbucketError(REFUSAL, 'unauthorized'));
    await kindOf(() => invoke(world, Protocol.WebhooksStatus.method, { integrationId: 'acme-main', repositories: ['acme/network'] }));
    assert.ok(await refusedState(world));
    // Unrelated requests leave it as it is.
    await integrations.getIntegration(world.as('ana'), { id: 'acme-main' });
    assert.ok(await refusedState(world));
    world.bitbucket.webhookStatus.resolves([]);
    await invoke(world, Protocol.WebhooksStatus.method, { integrationId: 'acme-main', repositories: ['acme/network'] });
    assert.equal(await refusedState(world), undefined);
  });

  it('Test Connection sets it when Bitbucket refuses and clears it when Bitbucket accepts', async () => {
    world.bitbucket.testCredential.resolves({ ok: false, curl: 'curl …', problem: { code: 'unauthorized', message: REFUSAL } });
    const refused = await integrations.testIntegration(world.as('ana'), { id: 'acme-main' }, scope);
    assert.equal(refused.ok, false);
    assert.equal((await refusedState(world))?.reason, REFUSAL);
    world.bitbucket.testCredential.resolves({ ok: true, curl: 'curl …' });
    await integrations.testIntegration(world.as('ana'), { id: 'acme-main' }, scope);
    assert.equal(await refusedState(world), undefined);
  });

  it('a new token saved with Edit clears it (the refusal was of the old token)', async () => {
    world.bitbucket.testCredential.resolves({ ok: false, curl: 'curl …', problem: { code: 'unauthorized', message: REFUSAL } });
    await integrations.testIntegration(world.as('ana'), { id: 'acme-main' }, scope);
    assert.ok(await refusedState(world));
    world.bitbucket.testCredential.resolves({ ok: true, curl: 'curl …' });
    await integrations.updateIntegration(world.as('ana'), { id: 'acme-main', secret: 'ATATT-second' }, scope);
    assert.equal(await refusedState(world), undefined);
  });
});
