// The start-up floor: an extension that does only what Stackhook's choice of client costs, loading
// vscode-languageclient and starting a client over stdio (to bench/floor/server.ts), and times its
// own code the way extension/extension.ts does. bench/editorStartup.ts packages and runs it.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type ServerOptions } from 'vscode-languageclient/node';

const loadStartedAt = (globalThis as { __floorLoadStart?: number }).__floorLoadStart ?? performance.now();
const loadedAt = performance.now();

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const activateStartedAt = performance.now();
  const output = vscode.window.createOutputChannel('Stackhook floor', { log: true });
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = { run: { module, transport: TransportKind.stdio }, debug: { module, transport: TransportKind.stdio } };
  client = new LanguageClient('stackhookFloor', 'Stackhook floor', serverOptions, { documentSelector: [], outputChannel: output });
  context.subscriptions.push(output, client);
  // Not awaited, as Stackhook does not wait for its server either.
  void client.start();
  const now = performance.now();
  output.info(
    `Floor activated in ${(loadedAt - loadStartedAt + now - activateStartedAt).toFixed(1)} ms of its own code ` +
      `(loading the bundle ${(loadedAt - loadStartedAt).toFixed(1)} ms, activate ${(now - activateStartedAt).toFixed(1)} ms)`,
  );
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
