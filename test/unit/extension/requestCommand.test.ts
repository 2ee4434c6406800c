// The one shape of the extension's commands (extension/commands/request.ts): what the command is
// about is found or picked, one request is sent, and a failure anywhere, the pick included, is the
// server's error shown the one way, with the fix it calls for; a cancelled request ends quietly.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { protocol } from '../../../extension/connection/protocol';
import { requestCommand } from '../../../extension/commands/request';
import { configureRepositories } from '../../../extension/commands/webhooks';
import { answerInputBox, answerQuickPick, byLabel, commandContext } from './harness';
import { details, FakeServer, integration, rpcError } from './fakeServer';

describe('extension commands: pick, request, and the server\'s error shown one way', () => {
  beforeEach(() => resetStub());

  it('a pick whose list fails shows the server\'s error with its fix, rather than failing the command', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => {
        throw rpcError('The Stackhook server is not running. Restart it, or see the output for why it stopped.', { kind: 'Unavailable' });
      },
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.CopyWebhookUrl);
    assert.deepEqual(
      recorded.messages.map((message) => [message.severity, message.message, message.items]),
      [['error', 'The Stackhook server is not running. Restart it, or see the output for why it stopped.', ['Show output']]],
    );
    assert.deepEqual(server.sent('stackhook/integrations/get'), [], 'nothing was asked past the failed pick');
  });

  it('a refusal about what was picked offers the fix for it: Reattach stack for a detached stack', async () => {
    const server = new FakeServer({
      'stackhook/stacks/triggerRun': () => {
        throw rpcError('The stack "prod-network" is detached, so it cannot run and receives no webhooks.', { kind: 'Detached' });
      },
    });
    answers.push((_message, items) => items.find((item) => item === 'Reattach stack'));
    commandContext(server);
    await vscode.commands.executeCommand(Command.TriggerRun, 'prod-network');
    assert.deepEqual(recorded.messages[0]?.items, ['Reattach stack']);
    assert.equal(recorded.messages[0]?.severity, 'warning');
    assert.deepEqual(
      recorded.executed.filter((call) => call.command === Command.ReattachStack).map((call) => call.args),
      [['prod-network']],
      'the fix names the stack the command was run on',
    );
  });

  it('Invite User shows a refusal the way every command does (a warning for Forbidden), not as bare text', async () => {
    const server = new FakeServer({
      'stackhook/users/invite': () => {
        throw rpcError('Inviting users needs admin of the root space, which bo is not. Ask an admin of the root space.', { kind: 'Forbidden' });
      },
    });
    answerInputBox('ivy');
    answerQuickPick(byLabel('Read'));
    commandContext(server);
    await vscode.commands.executeCommand(Command.InviteUser);
    assert.deepEqual(server.sent('stackhook/users/invite'), [{ name: 'ivy' }]);
    assert.deepEqual(recorded.messages.map((message) => [message.severity, message.message]), [
      ['warning', 'Inviting users needs admin of the root space, which bo is not. Ask an admin of the root space.'],
    ]);
  });

  it('Invite User sets a role, and dismissing the invitation dialog does not throw the invitation away', async () => {
    const server = new FakeServer({
      'stackhook/users/invite': ({ name }) => ({ user: name, tokenId: 't1', token: `shi_${'x'.repeat(43)}`, expiresAt: '2026-12-14T12:00:00.000Z', newUser: true }),
      'stackhook/access/grant': () => ({}),
    });
    answerInputBox('ivy');
    answerQuickPick(byLabel('Write'));
    answers.push(() => undefined, (_message, items) => items.find((item) => item === 'Copy invitation'));
    commandContext(server);
    await vscode.commands.executeCommand(Command.InviteUser);
    assert.deepEqual(server.sent('stackhook/access/grant'), [{ user: 'ivy', spaceId: 'root', role: 'write' }]);
    assert.match(recorded.messages[0]?.message ?? '', /ivy is invited \(role write on the root space\)/);
    assert.match(recorded.messages[1]?.message ?? '', /not copied yet/, 'Cancel is followed by a notice that still offers Copy');
    assert.equal(recorded.clipboard, `shi_${'x'.repeat(43)}`);
    assert.match(recorded.messages[2]?.message ?? '', /Invitation for ivy copied/);
  });

  it('a request the person cancelled ends quietly, or says so when the command has words for it', async () => {
    const cancelled = () => {
      throw Object.assign(new Error('The request was cancelled.'), { code: -32800 });
    };
    const status = {
      version: 'test',
      storePath: '/tmp/store',
      user: 'ana',
      listener: { url: null, state: 'off' },
      publicUrl: 'https://hooks.example.com',
      counts: { integrations: 1, stacks: 0, detachedStacks: 0 },
    };
    const server = new FakeServer({ 'stackhook/integrations/test': cancelled, 'stackhook/webhooks/configure': cancelled, 'stackhook/status': () => status });
    const ctx = commandContext(server);
    await vscode.commands.executeCommand(Command.TestConnection, 'acme-main');
    assert.equal(recorded.messages.length, 0, 'no error for a cancelled test');
    await configureRepositories(ctx, 'acme-main', ['acme/network']);
    assert.deepEqual(server.sent('stackhook/webhooks/configure'), [{ integrationId: 'acme-main', repositories: ['acme/network'] }]);
    assert.deepEqual(recorded.messages.map((message) => [message.severity, message.message]), [
      ['info', 'Configuring webhooks was cancelled; repositories already done keep their webhook.'],
    ]);
  });

  it('nothing picked, or a confirmation declined, sends nothing and says nothing', async () => {
    const server = new FakeServer({ 'stackhook/integrations/list': () => [integration('acme-main')], 'stackhook/integrations/get': ({ id }) => details(id) });
    const ctx = commandContext(server);
    answerQuickPick(() => undefined);
    await vscode.commands.executeCommand(Command.CopyWebhookUrl);
    const declined = await requestCommand(ctx, {
      pick: () => 'acme-main',
      request: protocol().IntegrationsDelete,
      params: async () => undefined,
      onAnswer: () => 'deleted',
    });
    assert.equal(declined, undefined);
    assert.deepEqual(server.requests.map((request) => request.method), ['stackhook/integrations/list']);
    assert.deepEqual(recorded.messages, []);
  });
});
