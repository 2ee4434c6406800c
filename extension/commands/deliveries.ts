// A delivery's details, opened from its row: what Bitbucket sent and what Stackhook made of it. The
// body is never shown (it is the repository's data), and the headers are those the server kept, none secret.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { verdictBadge } from '../views/presentation';

function isDelivery(arg: unknown): arg is Protocol.Delivery {
  return typeof arg === 'object' && arg !== null && 'eventKey' in arg && 'verdict' in arg && 'receivedAt' in arg;
}

export function deliveryDetails(delivery: Protocol.Delivery): string {
  const runs = delivery.stackIds.length === 0 ? vscode.l10n.t('none') : delivery.stackIds.join(', ');
  return [
    `${vscode.l10n.t('Event')}: ${delivery.eventKey}`,
    `${vscode.l10n.t('Repository')}: ${delivery.repository ?? vscode.l10n.t('not named in the delivery')}`,
    `${vscode.l10n.t('Verdict')}: ${verdictBadge(delivery).badge} (HTTP ${delivery.status})`,
    `${vscode.l10n.t('Reason')}: ${delivery.reason}`,
    `${vscode.l10n.t('Runs for')}: ${runs}`,
    `${vscode.l10n.t('Integration')}: ${delivery.integrationId}`,
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

export async function showDelivery(arg?: unknown): Promise<void> {
  const delivery = typeof arg === 'object' && arg !== null && 'delivery' in arg ? (arg as { delivery: unknown }).delivery : arg;
  if (!isDelivery(delivery)) return;
  await vscode.window.showInformationMessage(`${delivery.eventKey} ${delivery.repository ?? ''}`.trim(), { modal: true, detail: deliveryDetails(delivery) });
}
