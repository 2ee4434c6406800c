// A delivery's details, opened from its row in a read-only document: what Bitbucket sent and what
// Stackhook made of it, stacks and the integration by name. The body is never shown (it is the
// repository's data), and the headers are those the server kept, none secret.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { deliveryDocuments } from '../surfaces/deliveryDocument';
import { verdictBadge } from '../views/presentation';
import type { CommandContext } from './context';

function isDelivery(arg: unknown): arg is Protocol.Delivery {
  return typeof arg === 'object' && arg !== null && 'eventKey' in arg && 'verdict' in arg && 'receivedAt' in arg;
}

export function deliveryDetails(delivery: Protocol.Delivery, names: { stacks?: ReadonlyMap<string, string>; integrations?: ReadonlyMap<string, string> } = {}): string {
  const runs = delivery.stackIds.length === 0 ? vscode.l10n.t('none') : delivery.stackIds.map((id) => names.stacks?.get(id) ?? id).join(', ');
  const integration = names.integrations?.get(delivery.integrationId);
  return [
    `${vscode.l10n.t('Event')}: ${delivery.eventKey}`,
    `${vscode.l10n.t('Repository')}: ${delivery.repository ?? vscode.l10n.t('not named in the delivery')}`,
    `${vscode.l10n.t('Verdict')}: ${verdictBadge(delivery).badge} (HTTP ${delivery.status})`,
    `${vscode.l10n.t('Reason')}: ${delivery.reason}`,
    `${vscode.l10n.t('Runs for')}: ${runs}`,
    `${vscode.l10n.t('Integration')}: ${integration ?? delivery.integrationId}`,
    `${vscode.l10n.t('Received')}: ${new Date(delivery.receivedAt).toLocaleString()}`,
    `${vscode.l10n.t('Request')}: ${delivery.id}`,
    ...headerLines(delivery.headers),
  ].join('\n');
}

/** The headers the server kept: none carries a secret, and the signature is only said to be there. */
function headerLines(headers: Protocol.DeliveryRecordedHeaders | undefined): string[] {
  if (!headers) return [];
  const signature = headers['X-Hub-Signature'] === 'present' ? vscode.l10n.t('present (its value is not kept)') : vscode.l10n.t('absent');
  const lines = Object.entries(headers)
    .filter(([name]) => name !== 'X-Hub-Signature')
    .map(([name, value]) => `  ${name}: ${value}`);
  return ['', `${vscode.l10n.t('Headers')}:`, ...lines, `  X-Hub-Signature: ${signature}`];
}

export async function showDelivery(ctx: Pick<CommandContext, 'server'>, arg?: unknown): Promise<void> {
  const delivery = typeof arg === 'object' && arg !== null && 'delivery' in arg ? (arg as { delivery: unknown }).delivery : arg;
  if (!isDelivery(delivery)) return;
  const [stacks, integrations] = await Promise.all([
    ctx.server.request(protocol().StacksList, {}).catch(() => []),
    ctx.server.request(protocol().IntegrationsList, {}).catch(() => []),
  ]);
  const text = deliveryDetails(delivery, {
    stacks: new Map(stacks.map((stack) => [stack.id, stack.name])),
    integrations: new Map(integrations.map((integration) => [integration.id, integration.name])),
  });
  // A document beside the editor, not a modal: the window stays usable while it is read.
  const uri = deliveryDocuments.show(delivery.id, `${delivery.eventKey} ${delivery.repository ?? ''} ${delivery.id.slice(0, 8)}`.trim(), text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}
