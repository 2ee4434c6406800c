// What any connection to the server answers, whatever carries it (stdio, a WebSocket).
import type { Connection } from 'vscode-languageserver';
import type { ServerContext } from '../context';
import { handlers } from './handlers';

export function answerProtocol(connection: Connection, context: ServerContext): void {
  connection.onInitialize(() => ({
    capabilities: {},
    serverInfo: { name: 'stackhook', version: context.version },
  }));
  for (const entry of handlers) entry.register(connection, context);
}
