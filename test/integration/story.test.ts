// The whole registry story, driven over stdio against the built server.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';

describe('server over stdio: the integration and stack story', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer({ args: ['--public-url', 'https://hooks.example.com'] });
  });
  after(() => server.stop());

  it('creates spaces, integrations and stacks, detaches on delete (R11, R12) and reattaches after a same-name recreate (R13)', async () => {
    await server.request(Protocol.SpacesCreate, { name: 'Payments', parentId: 'root', inheritEntities: true });
    await server.request(Protocol.SpacesCreate, { name: 'Payments EU', parentId: 'payments', inheritEntities: true });
    await server.request(Protocol.AccessGrant, { user: 'bo', spaceId: 'payments', role: 'read' });

    const main = await server.request(Protocol.IntegrationsCreate, {
      name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-secret-token-1', labels: ['prod', 'prod', 'platform'], verify: false,
    });
    assert.equal(main.id, 'acme-main');
    assert.deepEqual(main.labels, ['prod', 'platform']);
    assert.equal(main.webhookUrl, 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main');

    const second = await rejection(server.request(Protocol.IntegrationsCreate, {
      name: 'Another default', type: 'default', username: 'ana@example.com', secret: 'ATATT-secret-token-2', verify: false,
    }));
    assert.equal(second.kind, 'Conflict');
    assert.match(second.message, /only one is allowed/);

    const team = await server.request(Protocol.IntegrationsCreate, {
      name: 'Payments BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: 'ATATT-secret-token-3', verify: false,
    });
    const stack = await server.request(Protocol.StacksCreate, {
      name: 'eu-network', spaceId: 'payments-eu', integrationId: team.id, repository: 'acme/network', branch: 'main', projectRoot: 'envs/eu', verify: false,
    });
    assert.equal(stack.state, 'attached');
    await server.request(Protocol.StacksCreate, {
      name: 'dns', spaceId: 'root', integrationId: main.id, repository: 'acme/dns', branch: 'main', verify: false,
    });

    const deleted = await server.request(Protocol.IntegrationsDelete, { id: team.id });
    assert.deepEqual(deleted.detachedStackIds, ['eu-network']);
    const stacks = await server.request(Protocol.StacksList);
    const detached = stacks.find((s) => s.id === 'eu-network');
    assert.equal(detached?.state, 'detached');
    assert.equal(detached?.detachedFrom, 'payments-bb');
    assert.equal(stacks.find((s) => s.id === 'dns')?.state, 'attached');

    const refused = await rejection(server.request(Protocol.StacksTriggerRun, { stackId: 'eu-network' }));
    assert.equal(refused.kind, 'Detached');
    assert.match(refused.message, /detached from the deleted integration "payments-bb"/);
    assert.equal((await server.request(Protocol.RunsList, { stackId: 'eu-network' })).length, 0);

    const again = await server.request(Protocol.IntegrationsCreate, {
      name: 'Payments BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: 'ATATT-secret-token-4', verify: false,
    });
    assert.equal(again.webhookUrl, team.webhookUrl);
    assert.deepEqual(again.reattachableStackIds, ['eu-network']);
    assert.equal((await server.request(Protocol.StacksList)).find((s) => s.id === 'eu-network')?.state, 'detached', 'R13: still detached until reattached');

    const reattached = await server.request(Protocol.StacksSetIntegration, { stackId: 'eu-network', integrationId: again.id });
    assert.equal(reattached.state, 'attached');
    const run = await server.request(Protocol.StacksTriggerRun, { stackId: 'eu-network' });
    assert.equal(run.kind, 'tracked');
    assert.equal(run.trigger, 'manual');

    const status = await server.request(Protocol.Status);
    assert.deepEqual(status.counts, { integrations: 2, stacks: 2, detachedStacks: 0, driftedStacks: 0 });
  });
});
