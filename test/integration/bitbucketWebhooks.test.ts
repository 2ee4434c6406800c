// Webhooks managed through the API (R14, R17), through the built server over stdio against the fake
// Bitbucket: repair in place, idempotence, missing scopes, injected faults, progress and cancel.
import { strict as assert } from 'node:assert';
import { CancellationTokenSource, ProgressType, ResponseError } from 'vscode-jsonrpc/node';
import { LSPErrorCodes } from 'vscode-languageserver/node';
import { R14_EVENTS } from '../../server/webhooks/subscribedEvents';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { startServer, type ServerHandle } from '../support/serverProcess';

const TOKEN = 'ATATT3xFfGF0-webhook-admin-token';
const NO_WRITE_TOKEN = 'ATATT3xFfGF0-no-write-webhook';
const PUBLIC_URL = 'https://hooks.example.com';
const HOOK_URL = `${PUBLIC_URL}/webhooks/bitbucket-cloud/acme-main`;
const HOOKS = '/repositories/{workspace}/{repo_slug}/hooks';
const HOOK = '/repositories/{workspace}/{repo_slug}/hooks/{uid}';

describe('Bitbucket over stdio: webhooks through the API', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;
  let webhookSecret: string;
  const writes = () => bitbucket.count('POST', HOOKS) + bitbucket.count('PUT', HOOK) + bitbucket.count('DELETE', HOOK);

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({
      email: 'ana@example.com',
      token: TOKEN,
      credentials: [{ secret: NO_WRITE_TOKEN, scopes: ['read:user:bitbucket', 'read:workspace:bitbucket', 'read:repository:bitbucket', 'read:webhook:bitbucket'] }],
      workspaces: { acme: 'admin', partner: 'member' },
    });
    bitbucket.world.addRepositories('acme', 12, 'svc');
    bitbucket.world.addRepositories('acme', 40, 'flaky');
    bitbucket.world.addRepositories('acme', 60, 'bulk');
    bitbucket.world.addRepository('partner/shared');
    server = await startServer({
      args: ['--bitbucket-api', bitbucket.url, '--public-url', PUBLIC_URL],
      env: { STACKHOOK_BITBUCKET_TIMEOUT_MS: '1500', STACKHOOK_BITBUCKET_BACKOFF_MS: '20' },
    });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme No Write', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: NO_WRITE_TOKEN });
    webhookSecret = (await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret;
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });
  beforeEach(() => {
    bitbucket.clearFaults();
    bitbucket.resetCounts();
  });

  it('R14, R17: configure creates a hook with exactly the seven events, active, with the integration\'s webhook secret', async () => {
    const result = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/svc-001'] });
    assert.deepEqual(result, [{ repository: 'acme/svc-001', action: 'created' }]);
    const [hook, ...others] = bitbucket.hooks('acme/svc-001');
    assert.equal(others.length, 0);
    assert.equal(hook?.url, HOOK_URL);
    assert.deepEqual(hook?.events, [...R14_EVENTS]);
    assert.equal(hook?.active, true);
    assert.equal(hook?.secret, webhookSecret);
    assert.equal(bitbucket.count('GET', HOOKS), 1);
    assert.equal(bitbucket.count('POST', HOOKS), 1, 'no read after the write');
  });

  it('R14: a hook with 5 of 7 events on the integration\'s path at an old host is repaired with one update, no new hook', async () => {
    const uuid = bitbucket.addHook('acme/svc-002', {
      url: 'https://old-tunnel.example.net/webhooks/bitbucket-cloud/acme-main',
      events: R14_EVENTS.slice(0, 5),
      secret: null,
    });
    const before = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories: ['acme/svc-002'] });
    assert.equal(before[0]?.state, 'drifted');
    assert.deepEqual(before[0]?.problems, [
      `wrong URL: https://old-tunnel.example.net/webhooks/bitbucket-cloud/acme-main instead of ${HOOK_URL}`,
      'missing events: pullrequest:fulfilled, pullrequest:comment_created',
      'no secret',
    ]);
    bitbucket.resetCounts();
    const result = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/svc-002'] });
    assert.deepEqual(result, [{ repository: 'acme/svc-002', action: 'updated' }]);
    assert.equal(bitbucket.count('PUT', HOOK), 1);
    assert.equal(bitbucket.count('POST', HOOKS), 0);
    const hooks = bitbucket.hooks('acme/svc-002');
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0]?.uuid, uuid, 'the same hook, repaired in place');
    assert.equal(hooks[0]?.url, HOOK_URL);
    assert.deepEqual(hooks[0]?.events, [...R14_EVENTS]);
    assert.equal(hooks[0]?.secret, webhookSecret);
  });

  it('status reports ok, missing, drifted (inactive, extra events) and forbidden, per repository', async () => {
    bitbucket.addHook('acme/svc-003', { url: HOOK_URL, events: [...R14_EVENTS, 'repo:fork'], active: false, secret: 'x'.repeat(20) });
    const status = await server.request(Protocol.WebhooksStatus, {
      integrationId: 'acme-main',
      repositories: ['acme/svc-001', 'acme/svc-003', 'acme/svc-004', 'partner/shared', 'acme/nowhere'],
    });
    const byRepository = Object.fromEntries(status.map((entry) => [entry.repository, entry]));
    assert.equal(byRepository['acme/svc-001']?.state, 'ok');
    assert.deepEqual(byRepository['acme/svc-003'], { repository: 'acme/svc-003', state: 'drifted', problems: ['extra events: repo:fork', 'inactive'], repairable: true });
    assert.equal(byRepository['acme/svc-004']?.state, 'missing');
    assert.equal(byRepository['partner/shared']?.state, 'forbidden');
    assert.equal(byRepository['partner/shared']?.repairable, false, 'configure cannot fix a hook it may not see');
    assert.match(byRepository['partner/shared']?.problems[0] ?? '', /admin permission/);
    assert.equal(byRepository['acme/nowhere']?.state, 'error');
    assert.match(byRepository['acme/nowhere']?.problems[0] ?? '', /404/);
    assert.equal(writes(), 0, 'status never writes');
  });

  it('configure is idempotent: the second run reports unchanged and writes nothing', async () => {
    const repositories = ['acme/svc-003', 'acme/svc-005', 'acme/svc-006'];
    const first = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories });
    assert.deepEqual(first.map((r) => r.action), ['updated', 'created', 'created']);
    bitbucket.resetCounts();
    const second = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories });
    assert.deepEqual(second.map((r) => r.action), ['unchanged', 'unchanged', 'unchanged']);
    assert.equal(writes(), 0);
    assert.equal(bitbucket.count('GET', HOOKS), 3, 'one hook read per repository, nothing more');
    for (const repository of repositories) assert.equal(bitbucket.hooks(repository).length, 1);
  });

  it('R17: after a regenerate, hooks Stackhook configured get the new secret unasked; resendSecret reaches hooks it did not configure', async () => {
    bitbucket.addHook('acme/svc-004', { url: HOOK_URL, events: [...R14_EVENTS], secret: 'set-by-hand-in-bitbucket' });
    const regenerated = (await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main', regenerate: true })).secret;
    const result = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/svc-005', 'acme/svc-004'] });
    assert.deepEqual(result.map((r) => r.action), ['updated', 'unchanged'], 'the hook set by hand has a secret Stackhook cannot see');
    assert.equal(bitbucket.hooks('acme/svc-005')[0]?.secret, regenerated);
    const resent = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/svc-004'], resendSecret: true });
    assert.equal(resent[0]?.action, 'updated');
    assert.equal(bitbucket.hooks('acme/svc-004')[0]?.secret, regenerated);
    webhookSecret = regenerated;
  });

  it('a token without write:webhook:bitbucket: configure fails per repository with a clear missing-scope error; status still works', async () => {
    const result = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-no-write', repositories: ['acme/svc-007', 'acme/svc-008'] });
    for (const entry of result) {
      assert.equal(entry.action, 'failed');
      assert.match(entry.error ?? '', /lacks the scope write:webhook:bitbucket/);
      assert.match(entry.error ?? '', /create a new token that includes write:webhook:bitbucket/);
    }
    assert.equal(bitbucket.hooks('acme/svc-007').length, 0);
    const status = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-no-write', repositories: ['acme/svc-007'] });
    assert.equal(status[0]?.state, 'missing');
  });

  it('remove deletes the integration\'s hooks (on any host) and leaves others; absent when there is none', async () => {
    bitbucket.addHook('acme/svc-009', { url: HOOK_URL, events: [...R14_EVENTS] });
    bitbucket.addHook('acme/svc-009', { url: 'https://elsewhere.example.org/webhooks/bitbucket-cloud/acme-main', events: ['repo:push'] });
    bitbucket.addHook('acme/svc-009', { url: 'https://ci.example.com/bitbucket', events: ['repo:push'] });
    const result = await server.request(Protocol.WebhooksRemove, { integrationId: 'acme-main', repositories: ['acme/svc-009', 'acme/svc-010'] });
    assert.deepEqual(result, [
      { repository: 'acme/svc-009', action: 'removed' },
      { repository: 'acme/svc-010', action: 'absent' },
    ]);
    assert.deepEqual(bitbucket.hooks('acme/svc-009').map((hook) => hook.url), ['https://ci.example.com/bitbucket']);
  });

  it('with 20% injected faults (429, 5xx, resets, lost answers, hangs) configure converges and never duplicates a hook', async () => {
    const repositories = Array.from({ length: 40 }, (_, i) => `acme/flaky-${String(i + 1).padStart(3, '0')}`);
    bitbucket.setFaults({ rate: 0.2, seed: 20261125, kinds: ['429', '429-retry-after', '500', '502', '503', 'reset', 'reset-after', 'hang'], retryAfterSeconds: 0 });
    // Certain, not just likely: one create whose answer is lost after the hook was made, and one read that hangs.
    bitbucket.failNext('reset-after', { method: 'POST', template: HOOKS });
    bitbucket.failNext('hang', { method: 'GET', template: HOOKS });
    // What a person does: run configure again on the repositories that failed, until none fails.
    let pending = repositories;
    const failedPerRun: number[] = [];
    for (let run = 0; run < 10 && pending.length > 0; run++) {
      const result = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: pending });
      for (const entry of result) if (entry.action === 'failed') assert.ok(entry.error && entry.error.length > 20, 'a failure says why');
      pending = result.filter((entry) => entry.action === 'failed').map((entry) => entry.repository);
      failedPerRun.push(pending.length);
    }
    assert.ok((failedPerRun[0] ?? 0) > 0, 'the faults did bite');
    assert.equal(pending.length, 0, `converged: failures per run ${JSON.stringify(failedPerRun)}`);
    for (const repository of repositories) assert.equal(bitbucket.hooks(repository).filter((hook) => hook.url === HOOK_URL).length, 1, repository);
    bitbucket.clearFaults();
    const again = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories });
    assert.deepEqual([...new Set(again.map((entry) => entry.action))], ['unchanged'], 'a clean run afterwards has nothing left to do');
    const status = await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories });
    assert.deepEqual([...new Set(status.map((entry) => entry.state))], ['ok']);
  });

  it('cancel in the middle: stops sending, reports what was done and what was not, with progress on the way', async () => {
    const repositories = Array.from({ length: 60 }, (_, i) => `acme/bulk-${String(i + 1).padStart(3, '0')}`);
    bitbucket.setFaults({ latencyMs: 60 });
    const progress: string[] = [];
    const workDoneToken = 'configure-bulk';
    const subscription = server.connection.onProgress(new ProgressType<{ kind: string; message?: string }>(), workDoneToken, (value) => {
      if (value.message) progress.push(value.message);
    });
    const cancel = new CancellationTokenSource();
    setTimeout(() => cancel.cancel(), 600);
    const raw = await server.connection.sendRequest(
      Protocol.WebhooksConfigure.method,
      { integrationId: 'acme-main', repositories, workDoneToken },
      cancel.token,
    );
    subscription.dispose();
    const result = Protocol.WebhooksConfigure.result.parse(raw);
    const created = result.filter((entry) => entry.action === 'created');
    const notReached = result.filter((entry) => entry.action === 'failed' && /cancelled before/.test(entry.error ?? ''));
    assert.equal(result.length, 60, 'every repository is accounted for');
    assert.ok(created.length > 0 && created.length < 60, `created ${created.length}`);
    assert.ok(notReached.length > 0, 'some were never started');
    for (const entry of created) assert.equal(bitbucket.hooks(entry.repository).length, 1, `${entry.repository} was done`);
    for (const entry of notReached) assert.equal(bitbucket.hooks(entry.repository).length, 0, `${entry.repository} was not touched`);
    const callsAtCancel = bitbucket.totalCalls();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(bitbucket.totalCalls(), callsAtCancel, 'nothing more is sent after the answer');
    assert.ok(progress.some((message) => /Configuring webhooks: \d+ of 60/.test(message)), `progress: ${progress.slice(0, 3).join(' | ')}`);

    bitbucket.clearFaults();
    const again = await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories });
    assert.ok(again.every((entry) => entry.action === 'created' || entry.action === 'unchanged'));
    for (const repository of repositories) assert.equal(bitbucket.hooks(repository).length, 1, `${repository}: exactly one hook`);
  });

  it('a request cancelled while Bitbucket is slow is answered with LSP\'s RequestCancelled (-32800)', async () => {
    bitbucket.setFaults({ latencyMs: 1_000 });
    const cancel = new CancellationTokenSource();
    setTimeout(() => cancel.cancel(), 200);
    const answer = await server.connection.sendRequest(Protocol.wireType(Protocol.RepositoriesList), { integrationId: 'acme-main', workspace: 'acme' }, cancel.token).then(
      () => assert.fail('a cancelled listing must not answer with repositories'),
      (error: unknown) => error,
    );
    assert.ok(answer instanceof ResponseError, `answered ${String(answer)}`);
    assert.equal(answer.code, LSPErrorCodes.RequestCancelled);
    assert.equal(answer.code, -32800);
    bitbucket.clearFaults();
    const listed = await server.request(Protocol.RepositoriesList, { integrationId: 'acme-main', workspace: 'acme' });
    assert.ok(listed.length > 0, 'the server answers the next request as usual');
  });

  it('workspace-level webhooks: configure creates one, a second run is unchanged, status is ok, remove deletes it', async () => {
    const created = await server.request(Protocol.WebhooksConfigureWorkspace, { integrationId: 'acme-main', workspace: 'acme' });
    assert.deepEqual(created, { workspace: 'acme', action: 'created' });
    const [hook] = bitbucket.workspaceHooks('acme');
    assert.deepEqual(hook?.events, [...R14_EVENTS]);
    assert.equal(hook?.secret, webhookSecret);
    assert.equal((await server.request(Protocol.WebhooksConfigureWorkspace, { integrationId: 'acme-main', workspace: 'acme' })).action, 'unchanged');
    assert.equal((await server.request(Protocol.WebhooksWorkspaceStatus, { integrationId: 'acme-main', workspace: 'acme' })).state, 'ok');
    const forbidden = await server.request(Protocol.WebhooksWorkspaceStatus, { integrationId: 'acme-main', workspace: 'partner' });
    assert.equal(forbidden.state, 'forbidden');
    assert.deepEqual(await server.request(Protocol.WebhooksRemoveWorkspace, { integrationId: 'acme-main', workspace: 'acme' }), { workspace: 'acme', action: 'removed' });
    assert.equal(bitbucket.workspaceHooks('acme').length, 0);
  });

  it('R9: neither the Bitbucket token nor the webhook secret reaches the server log', async () => {
    // Both tokens carry the webhook secret to Bitbucket here, so that the log holds those requests to
    // search even when this test runs alone (an earlier test may have regenerated the secret).
    const current = (await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret;
    const from = server.stderr().length;
    await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-main', repositories: ['acme/svc-012'], resendSecret: true });
    await server.request(Protocol.WebhooksConfigure, { integrationId: 'acme-no-write', repositories: ['acme/svc-011'], resendSecret: true });
    const logged = server.stderr().slice(from).split('\n');
    assert.ok(logged.some((line) => /^(POST|PUT) \/repositories\/acme\/svc-012\/hooks\S* → 20\d /.test(line)), `the log has the write that sent the secret: ${logged.join(' | ')}`);
    assert.ok(logged.some((line) => /^GET \/repositories\/acme\/svc-011\/hooks → 200 /.test(line)), `the log has the no-write token's request: ${logged.join(' | ')}`);
    for (const secret of [TOKEN, NO_WRITE_TOKEN, webhookSecret, current]) assert.ok(!server.stderr().includes(secret), 'a credential or webhook secret is in the server log');
  });
});
