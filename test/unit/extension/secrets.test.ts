// R9: the Bitbucket credential (and the webhook secret) never shows in the output channel, a
// notification, a tree item, the status bar or the status panel — even with a verbose protocol trace.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { answers, recorded, resetStub, type FakeWebviewPanel } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { createIntegration } from '../../../extension/commands/createIntegration';
import { Notifier } from '../../../extension/surfaces/notifications';
import { Overview } from '../../../extension/state/overview';
import { StatusPanel } from '../../../extension/surfaces/panel';
import { BACK, type Prompter } from '../../../extension/commands/quickInput';
import { StatusBar } from '../../../extension/surfaces/statusBar';
import { IntegrationsTree, type IntegrationsNode } from '../../../extension/views/integrationsTree';
import { StacksTree } from '../../../extension/views/stacksTree';
import { commandContext } from './harness';
import { details, FakeServer, integration, repository, rpcError, stack } from './fakeServer';

const TOKEN = 'ATATT3xFfGF0-KNOWN-SECRET-9f8e7d6c5b4a';
const WEBHOOK_SECRET = 'whsec-KNOWN-4b1d0c2e9a7f6e5d';

describe('extension secrecy (R9)', () => {
  beforeEach(() => resetStub());

  it('a whole create / fail / retry / test / copy-secret flow leaves the secrets nowhere a person can read', async () => {
    let created = false;
    const server = new FakeServer({
      'stackhook/integrations/preview': () => ({ id: 'acme-main', webhookUrl: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main' }),
      'stackhook/integrations/create': (params) => {
        if (params.verify) throw rpcError('Bitbucket refused the credentials for ana@example.com.', { kind: 'Bitbucket', problem: 'unauthorized' });
        created = true;
        return details('acme-main');
      },
      'stackhook/integrations/list': () => (created ? [integration('acme-main')] : []),
      'stackhook/spaces/list': () => [],
      'stackhook/integrations/get': ({ id }) => details(id, { labels: ['prod'], description: 'Main account' }),
      'stackhook/integrations/test': () => ({ ok: false, problem: { code: 'unauthorized', message: 'Bitbucket refused the credentials.' }, curl: "curl -u 'ana@example.com:ATAT••••••' https://api.bitbucket.org/2.0/user" }),
      'stackhook/integrations/webhookSecret': () => ({ secret: WEBHOOK_SECRET }),
      'stackhook/repositories/list': () => [repository('acme/infra-live')],
      'stackhook/stacks/list': () => [stack('prod-network'), stack('legacy', { integrationId: null, detachedFrom: 'old', state: 'detached' })],
      'stackhook/webhooks/expected': () => [{ integrationId: 'acme-main', repository: 'acme/infra-live', stacks: [{ id: 'prod-network', name: 'prod-network' }] }],
      'stackhook/deliveries/list': () => [],
      'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'ok', problems: [] })),
      'stackhook/status': () => ({
        version: '0.1.0',
        storePath: '/tmp/s',
        user: 'ana',
        listener: { url: null, state: 'off' },
        publicUrl: 'https://hooks.example.com',
        counts: { integrations: 1, stacks: 2, detachedStacks: 1 },
      }),
    });
    const ctx = commandContext(server);
    const script: unknown[] = ['Acme main', 'default', 'ana@example.com', TOKEN, BACK, TOKEN, 'prod', 'Main account'];
    const prompter: Prompter = { input: async () => script.shift() as string, pick: async () => script.shift() as never };
    answers.push(() => 'Save without checking', () => undefined);

    const result = await createIntegration(server, prompter);
    assert.equal(result?.id, 'acme-main');
    assert.ok(server.sent('stackhook/integrations/create').every((params) => params.secret === TOKEN), 'the token did reach the server');

    // What a verbose `stackhook.trace.server` and the server's own stderr would write to the channel.
    ctx.output.trace(`Sending request 'stackhook/integrations/create - (3)'.\nParams: ${JSON.stringify(server.sent('stackhook/integrations/create')[0], null, 4)}`);
    ctx.output.appendLine(`[Error] credential ${TOKEN} refused`);
    ctx.output.info(`Params: {"secret":"some-token-we-never-saw-before"}`);
    const basic = Buffer.from(`ana@example.com:${TOKEN}`).toString('base64');
    ctx.output.info(`a proxy echoed: Authorisation was ${basic}`);

    await vscode.commands.executeCommand(Command.TestConnection, 'acme-main');
    await vscode.commands.executeCommand(Command.CopyWebhookSecret, 'acme-main');
    assert.equal(recorded.clipboard, WEBHOOK_SECRET, 'copying the webhook secret is the one place it goes');
    ctx.output.info(`the server said: signature check with ${WEBHOOK_SECRET} failed`);

    const integrations = new IntegrationsTree(server, ctx.health);
    const items: vscode.TreeItem[] = [];
    const walk = async (node?: IntegrationsNode) => {
      for (const child of await integrations.getChildren(node)) {
        items.push(child);
        await walk(child);
      }
    };
    await walk();
    await new Promise((resolve) => setImmediate(resolve));
    await walk();
    const stacks = new StacksTree(server);
    for (const group of await stacks.getChildren()) items.push(group, ...(await stacks.getChildren(group)));
    assert.ok(items.length > 8);

    const overview = new Overview(server, ctx.health);
    new Notifier(overview, server);
    const bar = new StatusBar();
    overview.onDidChange(() => bar.update({ server: 'running', detached: overview.detachedStacks.length, brokenWebhooks: overview.brokenWebhooks.length }));
    const panel = new StatusPanel(vscode.Uri.file(path.resolve(__dirname, '../../..')), overview);
    panel.show();
    await overview.refresh();
    const webview = (recorded.webviews[0] as FakeWebviewPanel).webview;
    assert.ok(webview.posted.length > 0);

    const visible = [
      ...recorded.output,
      ...recorded.messages.flatMap((m) => [m.message, m.detail ?? '', ...m.items]),
      ...recorded.statusMessages,
      ...items.map((item) => JSON.stringify({ ...item, tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip })),
      ...recorded.statusBarItems.map((item) => JSON.stringify({ text: item.text, tooltip: item.tooltip })),
      webview.html,
      JSON.stringify(webview.posted),
    ].join('\n');
    assert.ok(recorded.output.length >= 4 && recorded.messages.length >= 3, 'the flow wrote and said things');
    assert.ok(!visible.includes(TOKEN), 'the API token shows somewhere');
    assert.ok(!visible.includes(basic.replace(/=+$/, '')), 'the Basic credential (base64 of email:token) shows somewhere');
    assert.ok(!visible.includes(WEBHOOK_SECRET), 'the webhook secret shows somewhere');
    assert.ok(!visible.includes('some-token-we-never-saw-before'), 'a "secret" field in a trace shows');
    assert.ok(recorded.output.some((line) => line.includes('"secret": "••••••"')), 'the trace kept its shape with the value masked');
  });
});
