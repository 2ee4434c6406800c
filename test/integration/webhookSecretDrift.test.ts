// A regenerated webhook secret reaches Bitbucket: the server remembers which secret it sent to each
// hook, reports hooks still carrying an older one as drifted, and configure sends the new one
// without being asked. Through the built server over stdio against the fake Bitbucket.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import type { FakeBitbucket } from '../support/fakeBitbucket';
import type { ServerHandle } from '../support/serverProcess';
import { startAdminAccount, type AdminAccount } from './adminAccount';

const TOKEN = 'ATATT3xFfGF0-secret-drift-token';
const REPOSITORIES = ['acme/network', 'acme/dns'];

describe('Bitbucket over stdio: a regenerated webhook secret', function () {
  this.timeout(120_000);
  let account: AdminAccount;
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;

  before(async () => {
    account = await startAdminAccount(TOKEN, (world) => {
      for (const repository of [...REPOSITORIES, 'acme/untouched']) world.addRepository(repository);
    });
    ({ bitbucket, server } = account);
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
  });
  after(() => account?.stop());

  it('regenerating says which hooks still carry the old secret; status calls them drifted; configure sends the new secret unasked', async () => {
    const first = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: REPOSITORIES });
    assert.deepEqual(first.map((change) => change.action), ['created', 'created']);
    const old = (await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret;
    assert.deepEqual(bitbucket.hooks('acme/network').map((hook) => hook.secret), [old]);

    const regenerated = await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main', regenerate: true });
    assert.notEqual(regenerated.secret, old);
    assert.deepEqual([...(regenerated.outdatedRepositories ?? [])].sort(), [...REPOSITORIES].sort());

    const status = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories: REPOSITORIES });
    for (const health of status) {
      assert.equal(health.state, 'drifted', health.repository);
      assert.ok(health.problems.some((problem) => /^secret out of date since \d{4}-\d\d-\d\dT/.test(problem)), health.problems.join('; '));
    }

    const repaired = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: REPOSITORIES });
    assert.deepEqual(repaired.map((change) => change.action), ['updated', 'updated'], 'not "unchanged": the new secret had to be sent');
    for (const repository of REPOSITORIES) assert.deepEqual(bitbucket.hooks(repository).map((hook) => hook.secret), [regenerated.secret]);

    const after = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories: REPOSITORIES });
    assert.deepEqual(after.map((health) => health.state), ['ok', 'ok']);
    const again = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: REPOSITORIES });
    assert.deepEqual(again.map((change) => change.action), ['unchanged', 'unchanged'], 'once sent, the secret is not sent again');
  });

  it('a hook Stackhook never configured is not judged by a secret it cannot know', async () => {
    bitbucket.addHook('acme/untouched', { url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', events: [], secret: 'someone-else' });
    const [health, ...others] = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories: ['acme/untouched'] });
    assert.equal(others.length, 0);
    assert.equal(health?.repository, 'acme/untouched');
    // The hook was judged (its missing events are problems), just not by its secret.
    assert.equal(health.state, 'drifted');
    assert.ok(health.problems.length > 0, 'the hook has problems to look through');
    assert.ok(!health.problems.some((problem) => problem.startsWith('secret out of date')), health.problems.join('; '));
  });
});

describe('Bitbucket over stdio: a regenerated webhook secret and a workspace-level hook', function () {
  this.timeout(120_000);
  let account: AdminAccount;

  before(async () => {
    account = await startAdminAccount(TOKEN, (world) => world.addRepository('acme/network'));
    await account.server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
  });
  after(() => account?.stop());

  it('the workspace hook is drifted after a regenerate, configure sends the new secret unasked, and it is no repository', async () => {
    const { server, bitbucket } = account;
    const workspace = { integrationId: 'acme-main', workspace: 'acme' };
    assert.equal((await server.request(Protocol.WebhooksConfigureWorkspace, workspace)).action, 'created');
    const regenerated = await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main', regenerate: true });
    assert.deepEqual(regenerated.outdatedRepositories, [], 'a workspace is not offered as a repository to configure');

    const drifted = await server.request(Protocol.WebhooksWorkspaceStatus, workspace);
    assert.equal(drifted.state, 'drifted');
    assert.ok(drifted.problems.some((problem) => /^secret out of date since \d{4}-\d\d-\d\dT/.test(problem)), drifted.problems.join('; '));

    assert.equal((await server.request(Protocol.WebhooksConfigureWorkspace, workspace)).action, 'updated', 'not "unchanged": the new secret had to be sent');
    assert.deepEqual(bitbucket.workspaceHooks('acme').map((hook) => hook.secret), [regenerated.secret]);
    assert.equal((await server.request(Protocol.WebhooksWorkspaceStatus, workspace)).state, 'ok');
    assert.equal((await server.request(Protocol.WebhooksConfigureWorkspace, workspace)).action, 'unchanged', 'once sent, the secret is not sent again');
  });
});

describe('Bitbucket over stdio: the secret ledger survives a delete and same-name recreate (R13)', function () {
  this.timeout(120_000);
  let account: AdminAccount;

  before(async () => {
    account = await startAdminAccount(TOKEN, (world) => world.addRepository('acme/network'));
  });
  after(() => account?.stop());

  it('after a recreate, regenerating still knows which hooks carry the old secret', async () => {
    const params = { name: 'Acme Main', type: 'default' as const, username: 'ana@example.com', secret: TOKEN };
    await account.server.request(Protocol.IntegrationsCreate, params);
    await account.server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/network'] });
    await account.server.request(Protocol.IntegrationsDelete, { id: 'acme-main' });
    await account.server.request(Protocol.IntegrationsCreate, params);
    const regenerated = await account.server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main', regenerate: true });
    assert.deepEqual(regenerated.outdatedRepositories, ['acme/network']);
  });
});
