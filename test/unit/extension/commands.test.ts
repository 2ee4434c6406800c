import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { answerInputBox, answerQuickPick, byLabel, commandContext, scriptedPrompter } from './harness';
import { details, FakeServer, integration, repository, rpcError, stack } from './fakeServer';

describe('extension commands', () => {
  beforeEach(() => resetStub());

  it('Copy webhook URL puts the exact URL on the clipboard with one request', async () => {
    const server = new FakeServer({ 'stackhook/integrations/get': ({ id }) => details(id) });
    commandContext(server);
    await vscode.commands.executeCommand(Command.CopyWebhookUrl, 'acme-main');
    assert.equal(recorded.clipboard, 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main');
    assert.deepEqual(server.sent('stackhook/integrations/get'), [{ id: 'acme-main' }]);
    assert.deepEqual(recorded.messages, [], 'a reachable URL gets no warning');
  });

  it('Copy webhook URL from the palette asks which integration, listing only those whose details are visible', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main'), integration('hidden', { detailsVisible: false })],
      'stackhook/integrations/get': ({ id }) => details(id),
    });
    commandContext(server);
    let offered: string[] = [];
    answerQuickPick((items) => {
      offered = items.map((item) => item.label);
      return items[0];
    });
    await vscode.commands.executeCommand(Command.CopyWebhookUrl);
    assert.deepEqual(offered, ['acme-main']);
    assert.equal(recorded.clipboard, 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main');
  });

  it('Create stack goes repository → branch → project root → runner → name (the lone integration taken) and sends one stacks/create', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main')],
      'stackhook/spaces/list': () => [{ id: 'root', name: 'root', parentId: null, inheritEntities: false }],
      'stackhook/repositories/list': () => [repository('acme/infra-live'), repository('acme/network')],
      'stackhook/repositories/branches': () => [{ name: 'main', commit: 'a'.repeat(40) }],
      'stackhook/stacks/preview': ({ name }) => ({ id: String(name).toLowerCase() }),
      'stackhook/stacks/create': (params) => stack(params.name, params),
      'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'missing', problems: [] })),
    });
    const { prompter } = scriptedPrompter(['acme/network', 'main', 'envs/prod', 'local', 'custom', 'tofu plan "-var=region=eu west"', 'tofu apply -auto-approve', false, 'prod-network']);
    commandContext(server, prompter);
    await vscode.commands.executeCommand(Command.CreateStack, 'acme-main');
    assert.deepEqual(server.sent('stackhook/stacks/create'), [
      {
        name: 'prod-network',
        integrationId: 'acme-main',
        repository: 'acme/network',
        branch: 'main',
        projectRoot: 'envs/prod',
        runner: { type: 'local', tool: 'custom', plan: ['tofu', 'plan', '-var=region=eu west'], apply: ['tofu', 'apply', '-auto-approve'] },
        autodeploy: false,
      },
    ]);
    assert.deepEqual(server.sent('stackhook/repositories/list'), [{ integrationId: 'acme-main' }]);
  });

  it('Delete integration lists the stacks it will detach, and removes their webhooks first when asked', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme main' })],
      'stackhook/integrations/deletePreview': () => ({
        detachedStacks: [
          { id: 'prod-network', name: 'prod-network' },
          { id: 'prod-dns', name: 'prod-dns' },
        ],
        repositories: ['acme/network', 'acme/dns'],
      }),
      'stackhook/webhooks/remove': ({ repositories }) => repositories.map((name: string) => ({ repository: name, action: 'removed' })),
      'stackhook/integrations/delete': () => ({ detachedStackIds: ['prod-network', 'prod-dns'] }),
    });
    commandContext(server);
    answers.push((_message, items) => items.find((item) => item === 'Remove webhooks and delete'));
    await vscode.commands.executeCommand(Command.DeleteIntegration, 'acme-main');
    const modal = recorded.messages[0];
    assert.equal(modal?.modal, true);
    assert.match(modal?.message ?? '', /Acme main/);
    assert.match(modal?.detail ?? '', /prod-network, prod-dns/);
    assert.doesNotMatch(modal?.detail ?? '', /other/);
    assert.deepEqual(modal?.items, ['Remove webhooks and delete', 'Delete']);
    assert.deepEqual(
      server.requests.filter((r) => r.method.startsWith('stackhook/webhooks') || r.method === 'stackhook/integrations/delete'),
      [
        { method: 'stackhook/webhooks/remove', params: { integrationId: 'acme-main', repositories: ['acme/network', 'acme/dns'] } },
        { method: 'stackhook/integrations/delete', params: { id: 'acme-main' } },
      ],
    );
  });

  it('Delete integration does nothing when the modal is dismissed', async () => {
    const server = new FakeServer({ 'stackhook/integrations/list': () => [integration('acme-main')], 'stackhook/stacks/list': () => [] });
    commandContext(server);
    await vscode.commands.executeCommand(Command.DeleteIntegration, 'acme-main');
    assert.equal(server.sent('stackhook/integrations/delete').length, 0);
  });

  it("Trigger run on a detached stack shows the server's refusal as written and offers Reattach stack", async () => {
    const refusal = 'The stack "legacy-dns" is detached: its integration was deleted. Give it an integration in its settings to run it again.';
    const server = new FakeServer({
      'stackhook/stacks/triggerRun': () => {
        throw rpcError(refusal, { kind: 'Detached' });
      },
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.TriggerRun, 'legacy-dns');
    assert.deepEqual(server.sent('stackhook/stacks/triggerRun'), [{ stackId: 'legacy-dns' }]);
    assert.equal(recorded.messages[0]?.message, refusal);
    assert.deepEqual(recorded.messages[0]?.items, ['Reattach stack']);
  });

  it('Reattach stack sends stacks/setIntegration with the picked integration', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main'), integration('backup')],
      'stackhook/stacks/setIntegration': ({ stackId, integrationId }) => stack(stackId, { integrationId }),
    });
    commandContext(server);
    answerQuickPick(byLabel('backup'));
    await vscode.commands.executeCommand(Command.ReattachStack, 'legacy-dns');
    assert.deepEqual(server.sent('stackhook/stacks/setIntegration'), [{ stackId: 'legacy-dns', integrationId: 'backup' }]);
  });

  it('Configure webhooks preselects repositories used by stacks, passes the cancellation token and reports per repository', async () => {
    let token: unknown;
    const server = new FakeServer({
      'stackhook/repositories/list': () => [repository('acme/dns'), repository('acme/network'), repository('acme/unused')],
      'stackhook/webhooks/expected': () => [
        { integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'prod-network', name: 'prod-network' }] },
        { integrationId: 'acme-main', repository: 'acme/dns', stacks: [{ id: 'prod-dns', name: 'prod-dns' }] },
      ],
      'stackhook/webhooks/configure': ({ repositories }, options) => {
        token = options?.token;
        return repositories.map((name: string) => (name === 'acme/dns' ? { repository: name, action: 'failed', error: 'no admin permission' } : { repository: name, action: 'created' }));
      },
    });
    const ctx = commandContext(server);
    let preselected: string[] = [];
    answerQuickPick((items) => {
      preselected = items.filter((item) => item.picked).map((item) => item.label);
      return items.filter((item) => item.picked);
    });
    await vscode.commands.executeCommand(Command.ConfigureWebhooks, 'acme-main');
    assert.deepEqual(preselected, ['acme/dns', 'acme/network']);
    assert.deepEqual(server.sent('stackhook/webhooks/configure'), [{ integrationId: 'acme-main', repositories: ['acme/dns', 'acme/network'] }]);
    assert.ok(token, 'the progress cancellation token reaches the request');
    const summary = recorded.messages.at(-1);
    assert.equal(summary?.message, 'Webhooks: 1 created (acme/network), 1 failed (acme/dns).', 'only the counts that are not zero');
    assert.match(summary?.detail ?? '', /acme\/dns: no admin permission/);
    assert.ok(recorded.output.some((line) => line.includes('acme/network: created')));
    assert.ok(ctx);
  });

  it('Test connection shows the diagnosis and the masked curl line on failure, offering Replace Token', async () => {
    const server = new FakeServer({
      'stackhook/integrations/test': () => ({
        ok: false,
        problem: { code: 'unauthorized', message: 'Bitbucket refused the credentials: the email or the API token is wrong, or the token expired.', needsNewCredential: true },
        curl: "curl -u 'ana@example.com:ATAT••••••' https://api.bitbucket.org/2.0/user",
      }),
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.TestConnection, 'acme-main');
    const [message] = recorded.messages;
    assert.match(message?.message ?? '', /refused the credentials/);
    assert.match(message?.detail ?? '', /curl -u 'ana@example.com:ATAT••••••'/);
    assert.deepEqual(message?.items, ['Replace Token', 'Copy curl']);
  });

  it('Edit integration never offers the name, and sends only the changed field', async () => {
    const server = new FakeServer({
      'stackhook/integrations/get': ({ id }) => details(id, { labels: ['prod'] }),
      'stackhook/integrations/update': ({ id, ...rest }) => details(id, rest),
    });
    commandContext(server);
    let offered: string[] = [];
    answerQuickPick((items) => {
      offered = items.map((item) => item.label);
      return items.find((item) => item.label === 'Labels');
    });
    answerInputBox('prod, platform, prod');
    await vscode.commands.executeCommand(Command.EditIntegration, 'acme-main');
    assert.deepEqual(offered, ['Email', 'API token', 'Labels', 'Description']);
    assert.deepEqual(server.sent('stackhook/integrations/update'), [{ id: 'acme-main', labels: ['prod', 'platform'] }]);
  });

  it('Open in Bitbucket opens the pages the server names (the Bitbucket it talks to), not a hard-coded bitbucket.org', async () => {
    const web = 'http://127.0.0.1:8080';
    const server = new FakeServer({
      'stackhook/repositories/webLinks': ({ repository }) => ({ repository: `${web}/${repository}`, webhooks: `${web}/${repository}/admin/webhooks` }),
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.OpenInBitbucket, { fullName: 'acme/infra-live' });
    await vscode.commands.executeCommand(Command.OpenWebhookSettings, { stack: { repository: 'acme/dns' } });
    assert.deepEqual(recorded.opened, [`${web}/acme/infra-live`, `${web}/acme/dns/admin/webhooks`]);
    assert.deepEqual(server.sent('stackhook/repositories/webLinks'), [{ repository: 'acme/infra-live' }, { repository: 'acme/dns' }]);
  });

  it('Regenerate webhook secret asks first and never shows the secret', async () => {
    const server = new FakeServer({ 'stackhook/integrations/webhookSecret': () => ({ secret: 'whsec-new-0123456789abcdef' }) });
    commandContext(server);
    answers.push(() => 'Regenerate');
    await vscode.commands.executeCommand(Command.RegenerateWebhookSecret, 'acme-main');
    assert.deepEqual(server.sent('stackhook/integrations/webhookSecret'), [{ id: 'acme-main', regenerate: true }]);
    assert.ok(recorded.messages.every((m) => !m.message.includes('whsec-new') && !(m.detail ?? '').includes('whsec-new')));
  });

  it('Reattach all sends stacks/reattachAll for the integration', async () => {
    const server = new FakeServer({
      'stackhook/stacks/reattachAll': () => ({ reattachedStackIds: ['a', 'b'], skipped: [] }),
      'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' })],
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.ReattachAll, 'acme-main');
    assert.deepEqual(server.sent('stackhook/stacks/reattachAll'), [{ integrationId: 'acme-main' }]);
    assert.equal(recorded.messages[0]?.message, '2 stacks reattached to "Acme Main".', 'a real plural, and the name the user gave');
  });
});
