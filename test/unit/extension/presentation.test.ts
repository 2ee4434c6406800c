// Status panel badges say what happened in words and are coloured by what it means.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recorded, resetStub } from '../../support/vscodeStub';
import { deliveryDocuments } from '../../../extension/surfaces/deliveryDocument';
import { DeliveryItem } from '../../../extension/views/deliveriesTree';
import { markdownLine, verdictBadge } from '../../../extension/views/presentation';
import { commandContext } from './harness';
import { delivery, FakeServer } from './fakeServer';

describe('extension delivery badges', () => {
  it('a queued run is green; ignored and duplicate are neutral, not green like queued; refusals are errors, in words', () => {
    const badge = (extra: Record<string, unknown>) => verdictBadge(delivery('d', extra) as never);
    assert.deepEqual(badge({}), { badge: 'run queued', tone: 'ok' });
    assert.deepEqual(badge({ verdict: 'ignored', stackIds: [] }), { badge: 'ignored', tone: 'neutral' });
    assert.equal(badge({ verdict: 'duplicate' }).tone, 'neutral');
    assert.deepEqual(badge({ verdict: 'bad-signature', status: 401 }), { badge: 'refused: bad signature', tone: 'error' });
    assert.deepEqual(badge({ verdict: 'deleted-integration', status: 410 }), { badge: 'refused: integration deleted', tone: 'error' });
  });
});

describe('extension Markdown in tree rows', () => {
  it('a description row shows its first line as text, not Markdown source', () => {
    assert.equal(markdownLine('The **acme** workspace'), 'The acme workspace');
    assert.equal(markdownLine('\n# Prod `infra` — see [the runbook](https://example.com)\nmore'), 'Prod infra — see the runbook');
  });
});

/** The text of the delivery document the last command opened (a read-only document, not a modal). */
function shownDetails(): string {
  assert.equal(recorded.messages.length, 0, 'no modal');
  return deliveryDocuments.provideTextDocumentContent(vscode.Uri.parse(recorded.documents.at(-1) ?? ''));
}

describe('extension delivery details', () => {
  it('a delivery row opens its details: event, repository, verdict in words, reason, runs, local time; never the body', async () => {
    resetStub();
    commandContext(new FakeServer());
    const item = new DeliveryItem(delivery('d-1', { stackIds: ['prod-network'] }) as never);
    assert.ok(item.command);
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    assert.match(recorded.documents.at(-1) ?? '', /^stackhook-delivery:\/repo:push acme-infra-live d-1\.txt\?d-1$/);
    const detail = shownDetails();
    for (const line of ['Event: repo:push', 'Repository: acme/infra-live', 'Verdict: run queued (HTTP 202)', 'Reason: tracked run on prod-network', 'Runs for: prod-network', 'Request: d-1']) {
      assert.ok(detail.includes(line), `${line} in ${detail}`);
    }
    assert.ok(detail.includes(`Received: ${new Date('2026-11-25T12:04:00.000Z').toLocaleString()}`), 'in local time');
  });

  it('shows the headers the server kept, the signature only as present', async () => {
    resetStub();
    commandContext(new FakeServer());
    const headers = { 'X-Event-Key': 'repo:push', 'X-Attempt-Number': '2', 'User-Agent': 'Bitbucket-Webhooks/2.0', 'X-Hub-Signature': 'present' };
    const item = new DeliveryItem(delivery('d-2', { headers }) as never);
    await vscode.commands.executeCommand(item.command?.command ?? '', ...(item.command?.arguments ?? []));
    const detail = shownDetails();
    for (const line of ['Headers:', '  X-Event-Key: repo:push', '  X-Attempt-Number: 2', '  User-Agent: Bitbucket-Webhooks/2.0', '  X-Hub-Signature: present (its value is not kept)']) {
      assert.ok(detail.includes(line), `${line} in ${detail}`);
    }
  });

  it('a delivery recorded before headers were kept shows no headers section', async () => {
    resetStub();
    commandContext(new FakeServer());
    const item = new DeliveryItem(delivery('d-3') as never);
    await vscode.commands.executeCommand(item.command?.command ?? '', ...(item.command?.arguments ?? []));
    assert.ok(!shownDetails().includes('Headers:'));
  });
});
