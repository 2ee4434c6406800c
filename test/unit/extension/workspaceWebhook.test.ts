// Whole-workspace webhooks exist on the server; in the editor they are one command on the workspace
// row (and the Repositories node), not 25 ticks in a multi-select.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { WorkspaceItem } from '../../../extension/views/integrationsTree';
import { commandContext } from './harness';
import { FakeServer } from './fakeServer';

const STATUS = { version: '0.1.0', storePath: '/s', user: 'ana', listener: { url: null, state: 'off' }, publicUrl: 'https://hooks.example.com', counts: { integrations: 1, stacks: 0, detachedStacks: 0 } };

describe('extension workspace webhook', () => {
  beforeEach(() => resetStub());

  it('Configure Workspace Webhook on a workspace row configures one hook for the workspace and says what it covers', async () => {
    const server = new FakeServer({
      'stackhook/status': () => STATUS,
      'stackhook/webhooks/configureWorkspace': ({ workspace }) => ({ workspace, action: 'created' }),
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.ConfigureWorkspaceWebhook, new WorkspaceItem('acme-main', 'acme', []));
    assert.deepEqual(server.sent('stackhook/webhooks/configureWorkspace'), [{ integrationId: 'acme-main', workspace: 'acme' }]);
    assert.equal(recorded.messages.at(-1)?.message, 'Webhook created on the workspace acme: every repository of it, new ones too, delivers to Stackhook.');
  });

  it('the workspace row and the Repositories node have a context menu with it', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string; group?: string }[]> } };
    const menu = (item: string) =>
      manifest.contributes.menus['view/item/context']?.filter((entry) => entry.when === `view == stackhook.integrations && viewItem == ${item}` && !entry.group?.startsWith('inline')).map((entry) => entry.command) ?? [];
    assert.ok(menu('workspace').includes(Command.ConfigureWorkspaceWebhook));
    assert.ok(menu('repositories').includes(Command.ConfigureWorkspaceWebhook));
    assert.ok(menu('repositories').includes(Command.ConfigureWebhooks));
  });
});
