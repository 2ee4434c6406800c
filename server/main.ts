// The companion process. `--stdio`: an editor's language-server-style peer; `serve`: headless.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { parseServerArgs, UsageError, USAGE, type ServerOptions } from './cli';
import { Logger, stderrSink } from './log';
import * as Protocol from './protocol';
import { handlers } from './rpc/handlers';
import { openContext } from './startup';
import { StoreCorruptError } from './store/registryStore';

async function runStdio(options: ServerOptions): Promise<void> {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const log = new Logger(stderrSink);
  const context = await openContext(
    options,
    log,
    (topics) => void connection.sendNotification(Protocol.Changed.method, { topics }),
    (method, params) => connection.sendRequest(method, params),
  ).catch((error: unknown) => {
    // The editor shows stderr in its output channel; exit so it can say the server did not start.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
  log.setSink((level, line) => {
    const send = { error: connection.console.error, warn: connection.console.warn, info: connection.console.info, debug: connection.console.log }[level];
    send.call(connection.console, line);
  });
  connection.onInitialize(() => ({
    capabilities: {},
    serverInfo: { name: 'stackhook', version: context.version },
  }));
  for (const entry of handlers) entry.register(connection, context);
  context.store.onExternalChange((topics) => context.changed(topics));
  connection.onShutdown(() => context.store.close());
  connection.listen();
}

async function main(): Promise<void> {
  let options: ServerOptions;
  try {
    options = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.mode === 'stdio') {
    await runStdio(options);
  } else {
    process.stderr.write('serve is not available in this build.\n');
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof StoreCorruptError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
