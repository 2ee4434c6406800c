// The language client that runs the companion server over stdio and answers its secret requests
// from VS Code's SecretStorage.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import * as Protocol from '../server/protocol';

export async function startClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  const args = ['--secrets', 'client'];
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio, args },
    debug: { module, transport: TransportKind.stdio, args },
  };
  const clientOptions: LanguageClientOptions = { documentSelector: [] };
  const client = new LanguageClient('stackhook', 'Stackhook', serverOptions, clientOptions);
  client.onRequest(Protocol.SecretsGet.method, async (params: unknown) => {
    const { key } = Protocol.SecretsGet.params.parse(params);
    return { value: (await context.secrets.get(key)) ?? null };
  });
  client.onRequest(Protocol.SecretsStore.method, async (params: unknown) => {
    const { key, value } = Protocol.SecretsStore.params.parse(params);
    if (value === null) await context.secrets.delete(key);
    else await context.secrets.store(key, value);
    return {};
  });
  await client.start();
  return client;
}
