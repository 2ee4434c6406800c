// The Deliveries view: the latest webhook deliveries, newest first, with the server's verdict and
// its reason — the answer to "why did my push not start a run?".
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import { showServerError } from '../connection/errors';
import type { StackhookServer } from '../connection/serverApi';
import { deliveryIcon, when } from './presentation';

export const DELIVERIES_SHOWN = 100;

export class DeliveryItem extends vscode.TreeItem {
  readonly kind = 'delivery';
  constructor(readonly delivery: Protocol.Delivery) {
    super(`${delivery.eventKey}  ${delivery.repository ?? ''}`.trim(), vscode.TreeItemCollapsibleState.None);
    this.id = `delivery:${delivery.id}`;
    this.description = `${delivery.reason} · ${when(delivery.receivedAt)}`;
    this.iconPath = deliveryIcon(delivery);
    this.contextValue = `delivery.${delivery.verdict}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${delivery.eventKey} · ${delivery.repository ?? '—'}\n`);
    tooltip.appendMarkdown('\n');
    tooltip.appendText(`${delivery.verdict} (HTTP ${delivery.status}): ${delivery.reason}\n`);
    tooltip.appendMarkdown('\n');
    tooltip.appendText(vscode.l10n.t('Integration {0} · received {1} · request {2}', delivery.integrationId, new Date(delivery.receivedAt).toLocaleString(), delivery.id));
    this.tooltip = tooltip;
    this.command = { command: Command.ShowDelivery, title: vscode.l10n.t('Show Delivery Details'), arguments: [delivery] };
  }
  get integrationId(): string {
    return this.delivery.integrationId;
  }
}

export function newestFirst(deliveries: readonly Protocol.Delivery[]): Protocol.Delivery[] {
  return [...deliveries].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
}

export class DeliveriesTree implements vscode.TreeDataProvider<DeliveryItem>, vscode.Disposable {
  readonly topics: readonly Protocol.ChangeTopic[] = ['deliveries'];
  private readonly emitter = new vscode.EventEmitter<DeliveryItem | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly server: StackhookServer) {}

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: DeliveryItem): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: DeliveryItem): Promise<DeliveryItem[]> {
    if (node || this.server.state !== 'running') return [];
    try {
      const deliveries = await this.server.request(protocol().DeliveriesList, { limit: DELIVERIES_SHOWN });
      return newestFirst(deliveries).map((delivery) => new DeliveryItem(delivery));
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
