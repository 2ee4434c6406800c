// A delivery's details open in a read-only document beside the editor (not a modal that blocks the
// window), naming stacks and the integration by their names; the rows have a context menu.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { deliveryDocuments } from '../../../extension/surfaces/deliveryDocument';
import { commandContext } from './harness';
import { FakeServer, integration, stack } from './fakeServer';

const DELIVERY = {
  id: '5f2c1b9e-3d4a-4b6c-8e7f-0a1b2c3d4e5f',
  eventKey: 'repo:push',
  repository: 'acme/network',
  verdict: 'queued',
  reason: 'tracked run queued',
  status: 202,
  stackIds: ['prod-network'],
  integrationId: 'acme-main',
  receivedAt: '2026-11-25T12:00:00.000Z',
};

describe('extension delivery details', () => {
  beforeEach(() => resetStub());

  it('opens a read-only document with names, not ids, and no modal', async () => {
    const server = new FakeServer({
      'stackhook/stacks/list': () => [stack('prod-network', { name: 'Prod Network' })],
      'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' })],
    });
    commandContext(server);
    await vscode.commands.executeCommand(Command.ShowDelivery, { delivery: DELIVERY });
    assert.equal(recorded.messages.length, 0, 'no modal');
    const [address] = recorded.documents;
    assert.match(address ?? '', /^stackhook-delivery:\/repo:push acme-network 5f2c1b9e\.txt\?5f2c1b9e-/);
    const text = deliveryDocuments.provideTextDocumentContent(vscode.Uri.parse(address ?? ''));
    assert.match(text, /Runs for: Prod Network/);
    assert.match(text, /Integration: Acme Main/);
  });

  it('delivery rows have a context menu with Show Delivery Details', () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const entries = manifest.contributes.menus['view/item/context']?.filter((entry) => entry.when?.includes('view == stackhook.deliveries') && entry.when.includes('/^delivery\\./')) ?? [];
    assert.ok(entries.some((entry) => entry.command === Command.ShowDelivery));
  });
});
