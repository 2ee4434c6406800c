// A delivery's details as a read-only document (`stackhook-delivery:/<event> <repository>.txt?<id>`),
// beside the editor rather than in a modal that blocks the window: what Bitbucket sent and what
// Stackhook made of it. The text is made when the row is opened (commands/deliveries.ts).
import * as vscode from 'vscode';

export const DELIVERY_SCHEME = 'stackhook-delivery';

export class DeliveryDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  /** Keeps the text of this delivery and returns the address of its document (the same delivery, the same tab). */
  show(id: string, title: string, text: string): vscode.Uri {
    this.texts.set(id, text);
    return vscode.Uri.from({ scheme: DELIVERY_SCHEME, path: `/${title.replace(/[/\\?#]/g, '-')}.txt`, query: id });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.query) ?? vscode.l10n.t('This delivery is no longer in the list: open it again from the Deliveries view.');
  }
}

export const deliveryDocuments = new DeliveryDocuments();
