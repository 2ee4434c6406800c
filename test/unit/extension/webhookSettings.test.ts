// A webhook URL Bitbucket cannot reach is said so where it is copied and before hooks are written;
// Copy Webhook Settings gives what a person pastes into Bitbucket by hand.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { answerQuickPick, commandContext } from './harness';
import { details, FakeServer, repository } from './fakeServer';

const LOOPBACK = 'Bitbucket cannot reach http://127.0.0.1:8787: it is this machine\'s loopback address, which only this machine can call. Set stackhook.publicUrl …';
const status = (publicUrlProblem?: string) => ({
  version: 'test',
  storePath: '/tmp/store',
  user: 'ana',
  listener: { url: 'http://127.0.0.1:8787', state: 'listening' },
  publicUrl: 'http://127.0.0.1:8787',
  ...(publicUrlProblem ? { publicUrlProblem } : {}),
  counts: { integrations: 1, stacks: 0, detachedStacks: 0 },
});

describe('extension webhook URL reachability and Copy Webhook Settings', () => {
  beforeEach(() => resetStub());

  it('before configuring, a loopback URL stops the flow with Set Public URL, and writes nothing unless told to go on', async () => {
    const server = new FakeServer({
      'stackhook/status': () => status(LOOPBACK),
      'stackhook/webhooks/configure': ({ repositories }) => repositories.map((repository: string) => ({ repository, action: 'created' })),
    });
    commandContext(server);
    answers.push((_message, items) => items.find((item) => item === 'Set Public URL'));
    await vscode.commands.executeCommand(Command.RepairWebhook, 'acme-main', 'acme/network');
    assert.equal(recorded.messages[0]?.modal, true);
    assert.equal(recorded.messages[0]?.detail, LOOPBACK);
    assert.deepEqual(server.sent('stackhook/webhooks/configure'), []);
    assert.ok(recorded.executed.some((call) => call.command === 'workbench.action.openSettings' && JSON.stringify(call.args[0]) === '{"query":"stackhook.publicUrl"}'));

    answers.push((_message, items) => items.find((item) => item === 'Configure Anyway'));
    await vscode.commands.executeCommand(Command.RepairWebhook, 'acme-main', 'acme/network');
    assert.deepEqual(server.sent('stackhook/webhooks/configure'), [{ integrationId: 'acme-main', repositories: ['acme/network'] }]);
    assert.equal(recorded.messages.at(-1)?.message, 'Webhooks: 1 created (acme/network).');
  });

  it('Set Public URL opens the Remote settings tab in the browser or a remote window, where the machine-scoped setting is (not "No Settings Found" on the User tab)', async () => {
    const { openPublicUrlSetting } = await import('../../../extension/commands/publicUrl');
    const env = vscode.env as { uiKind: vscode.UIKind; remoteName: string | undefined };
    try {
      env.uiKind = vscode.UIKind.Web;
      await openPublicUrlSetting();
      env.uiKind = vscode.UIKind.Desktop;
      env.remoteName = 'ssh-remote';
      await openPublicUrlSetting();
      env.remoteName = undefined;
      await openPublicUrlSetting();
    } finally {
      env.uiKind = vscode.UIKind.Desktop;
      env.remoteName = undefined;
    }
    assert.deepEqual(recorded.executed.map((call) => call.command), ['workbench.action.openRemoteSettings', 'workbench.action.openRemoteSettings', 'workbench.action.openSettings']);
    assert.ok(recorded.executed.every((call) => JSON.stringify(call.args[0]) === '{"query":"stackhook.publicUrl"}'));
  });

  it('a reachable URL configures without asking', async () => {
    const server = new FakeServer({
      'stackhook/status': () => status(),
      'stackhook/webhooks/configure': ({ repositories }) => repositories.map((repository: string) => ({ repository, action: 'updated' })),
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.RepairWebhook, 'acme-main', 'acme/network');
    assert.deepEqual(recorded.messages.map((message) => message.message), ['Webhooks: 1 updated (acme/network).']);
  });

  it('Copy Webhook URL says when Bitbucket cannot reach the URL it copied', async () => {
    const server = new FakeServer({ 'stackhook/status': () => status(LOOPBACK), 'stackhook/integrations/get': () => details('acme-main') });
    commandContext(server);
    await vscode.commands.executeCommand(Command.CopyWebhookUrl, 'acme-main');
    assert.equal(recorded.messages[0]?.severity, 'warning');
    assert.equal(recorded.messages[0]?.message, LOOPBACK);
    assert.deepEqual(recorded.messages[0]?.items, ['Set Public URL']);
  });

  it('Copy Webhook Settings copies the URL, the secret and the seven events, and masks the secret in the output', async () => {
    const events = ['repo:push', 'pullrequest:created', 'pullrequest:updated', 'pullrequest:approved', 'pullrequest:unapproved', 'pullrequest:fulfilled', 'pullrequest:comment_created'];
    const server = new FakeServer({
      'stackhook/webhooks/settings': () => ({ url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', secret: 'whsec-settings-0123456789', events }),
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.CopyWebhookSettings, 'acme-main');
    assert.equal(
      recorded.clipboard,
      `URL: https://hooks.example.com/webhooks/bitbucket-cloud/acme-main\nSecret: whsec-settings-0123456789\nTriggers: ${events.join(', ')}`,
    );
    assert.match(recorded.statusMessages[0] ?? '', /the 7 events/);
    assert.deepEqual(recorded.messages, []);
  });

  it('the Configure picker shows each repository\'s known webhook state beside the stacks that use it', async () => {
    const server = new FakeServer({
      'stackhook/status': () => status(),
      'stackhook/repositories/list': () => [repository('acme/network'), repository('acme/dns')],
      'stackhook/webhooks/expected': () => [{ integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'net', name: 'Prod Network' }] }],
      'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: name === 'acme/network' ? 'drifted' : 'missing', problems: ['inactive'] })),
    });
    const ctx = commandContext(server);
    await ctx.health.check('acme-main', ['acme/network', 'acme/dns']);
    let offered: { label: string; description?: string }[] = [];
    answerQuickPick((items) => {
      offered = items;
      return undefined;
    });
    await vscode.commands.executeCommand(Command.ConfigureWebhooks, 'acme-main');
    assert.deepEqual(offered.map((item) => [item.label, item.description]), [
      ['acme/network', 'used by Prod Network · webhook drifted: inactive'],
      ['acme/dns', 'no webhook'],
    ]);
  });
});
