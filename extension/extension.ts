// Activation: start the companion server and keep it for the extension's lifetime.
import * as vscode from 'vscode';
import { startClient } from './client';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const client = await startClient(context);
  context.subscriptions.push({ dispose: () => void client.stop() });
}

export function deactivate(): void {
  // The client is stopped through context.subscriptions.
}
