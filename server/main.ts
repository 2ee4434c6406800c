// The companion process. `--stdio`: an editor's language-server-style peer, optionally with the
// webhook receiver (`--listen`); `serve`: the receiver and the store alone, headless.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ADMIN_COMMANDS, runAdminCommand } from './adminCommand';
import { parseServerArgs, UsageError, USAGE, type ServerOptions } from './cli';
import { describeError } from './errors';
import { hostPort } from './hostPort';
import { healthRoute } from './http/health';
import { HttpListener } from './http/listener';
import { Logger, stderrSink } from './log';
import * as Protocol from './protocol';
import { maskEverything } from './protocol/masking';
import { WEBHOOK_PATH_PREFIX } from './registry/webhookUrl';
import { answerProtocol } from './rpc/answerProtocol';
import { gatedStdio } from './rpc/lifecycle';
import { RPC_PATH, TeamRpcEndpoint } from './rpc/webSocketEndpoint';
import { sandboxSupport, unsandboxedNotice } from './runs/sandbox';
import { readTls, watchTeamStore } from './serveSupport';
import { openContext, runCallbacksOf, startDriftChecks } from './startup';
import { takeSecretsFromEnvironment } from './startupSecrets';
import { StoreCorruptError } from './store/registryDocument';
import { redeemRoute } from './team/redeemEndpoint';
import { DeliveryPipeline } from './webhooks/delivery';
import { NOTHING_HERE, deliveryRoute } from './webhooks/deliveryRoute';
import { startEditorReceiver } from './webhooks/editorReceiver';

/** How long `serve` waits for deliveries in flight to be recorded before it gives up on a clean exit. */
const SHUTDOWN_GRACE_MS = 10_000;

async function runStdio(options: ServerOptions): Promise<void> {
  const { reader, writer } = gatedStdio((error) => {
    process.stderr.write(`The editor's messages could not be read (${error.message}); exiting so that the editor starts a fresh server.\n`);
    process.exit(1);
  });
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  const log = new Logger(stderrSink);
  const context = await openContext(
    options,
    log,
    (topics) => void connection.sendNotification(Protocol.Changed.type, { topics }),
    (definition, params) => connection.sendRequest(Protocol.wireType(definition), params),
  ).catch((error: unknown) => {
    // The editor shows stderr in its output channel; exit so it can say the server did not start.
    process.stderr.write(`${describeError(error)}\n`);
    process.exit(1);
  });
  log.setSink((level, line) => {
    const send = { error: connection.console.error, warn: connection.console.warn, info: connection.console.info, debug: connection.console.log }[level];
    send.call(connection.console, line);
  });
  answerProtocol(connection, context);
  context.store.onExternalChange((topics) => context.changed(topics));
  // Runs and deliveries that `serve` or another window records show up here too.
  const stopWatching = context.engine.watchRecords((topics) => context.changed(topics));
  // Before the connection listens, so the first `stackhook/status` already knows where webhooks go.
  const receiver = options.listen
    ? await startEditorReceiver(context, context.engine.deliveryRecorder, options.listen, ({ trace, status, response }) => {
        void connection.sendNotification(
          Protocol.DeliveryRefused.type,
          maskEverything({
            integrationId: trace.integrationId,
            eventKey: trace.eventKey,
            repository: trace.repository,
            status,
            reason: response.reason,
          }),
        );
      }, options.receiverLimits, runCallbacksOf(context))
    : null;
  let stopLooking: (() => void) | undefined;
  let stopScheduling: (() => void) | undefined;
  connection.onInitialized(() => {
    if (context.listener.message) log.info(context.listener.message);
    void sandboxSupport().then((support) => {
      if (!support.available) log.warn(unsandboxedNotice(support.problem));
    });
    // Runs a crashed server left behind (pipelines are followed again, local runs marked interrupted),
    // and from then on those any other process on the store leaves when it dies.
    stopLooking = context.execution?.lookOut();
    stopScheduling = startDriftChecks(context);
  });
  connection.onShutdown(async () => {
    stopLooking?.();
    stopScheduling?.();
    stopWatching();
    await receiver?.close();
    context.store.close();
  });
  connection.listen();
}

async function runServe(options: Extract<ServerOptions, { mode: 'serve' }>): Promise<void> {
  const log = new Logger(stderrSink);
  if (options.localRunner) {
    // A team server runs its users' stacks: never outside the sandbox.
    const support = await sandboxSupport();
    if (!support.available) {
      throw new Error(
        `serve --local-runner needs bubblewrap (bwrap) to run each stack's commands in a sandbox, and ${support.problem}. ` +
          'Install it (sudo apt-get install bubblewrap), or start serve without --local-runner (stacks then run on Bitbucket Pipelines).',
      );
    }
  }
  // Editors connected over /rpc hear of every change; editors on the same store folder notice the
  // appends through their own log watchers.
  let endpoint: TeamRpcEndpoint | undefined;
  const context = await openContext(options, log, (topics) => endpoint?.broadcast(Protocol.Changed.method, { topics }));
  const address = options.listen;
  if (!context.team) throw new Error('serve opened a context without a user directory.');
  const { users } = context.team;
  const team = new TeamRpcEndpoint(context, users, answerProtocol, log);
  endpoint = team;
  const stopWatching = watchTeamStore(context, context.engine, () => void team.recheckTokens());
  let receiver: HttpListener;
  try {
    const tls = options.tls ? readTls(options.tls) : undefined;
    const pipeline = new DeliveryPipeline(context, context.engine.deliveryRecorder);
    receiver = await HttpListener.listen(address, {
      // In this order: the health check, the team server's own route, run callbacks, then deliveries.
      routes: [
        healthRoute(context.version),
        redeemRoute(users, () => context.now(), log),
        ...runCallbacksOf(context),
        deliveryRoute(context, pipeline, (answer) => {
          if (answer.logLine !== null) log.info(answer.logLine);
        }),
      ],
      notFound: NOTHING_HERE,
      limits: options.receiverLimits,
      tls,
      onUpgrade: (request, socket, head) => team.handleUpgrade(request, socket, head),
      onError: (error) => log.error(`The webhook receiver failed: ${describeError(error)}`),
    });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(
      taken
        ? `${hostPort(address.host, address.port)} is taken: another Stackhook receiver (or another program) listens there. Stop it or choose another --listen address.`
        : `The webhook receiver could not listen on ${hostPort(address.host, address.port)}: ${describeError(error)}`,
    );
  }
  context.listener = { url: receiver.url, state: 'listening' };
  // What a dead process left on the store (a replica, another `serve`, an editor window) is taken over by a live one.
  await context.execution?.recover().catch((error: unknown) => log.error(`Recovering runs failed: ${describeError(error)}`));
  context.execution?.lookOut();
  startDriftChecks(context);
  const state = await context.store.read();
  // Where editors connect (Connect to Team Server takes this address, without /rpc).
  log.info(`Editors connect to ${receiver.url.replace(/^http/, 'ws')}${RPC_PATH} (in VS Code: Stackhook: Connect to Team Server…, address ${receiver.url}).`);
  log.info(
    `Stackhook ${context.version} receives Bitbucket Cloud webhooks at ${receiver.url} ` +
      `(Bitbucket sends them to ${context.publicUrl}${WEBHOOK_PATH_PREFIX}<integration id>; ` +
      `${state.integrations.length} integration${state.integrations.length === 1 ? '' : 's'} in ${context.store.folder}).`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: no new deliveries are accepted; the ones in flight are recorded first.`);
    const force = setTimeout(() => {
      log.error(`Deliveries in flight did not finish within ${SHUTDOWN_GRACE_MS / 1000} s; stopping anyway. Bitbucket retries those it got no answer for.`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    stopWatching();
    endpoint?.close();
    void receiver.close().then(async () => {
      context.store.close();
      await context.engine.close();
      log.info('Stopped.');
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  // Before anything else, so that no child process inherits them (server/startupSecrets.ts says what this does not do).
  takeSecretsFromEnvironment();
  let options: ServerOptions;
  const argv = process.argv.slice(2);
  try {
    if (ADMIN_COMMANDS.includes(argv[0] ?? '')) {
      await runAdminCommand(argv, { result: (line) => process.stdout.write(`${line}\n`), note: (line) => process.stderr.write(`${line}\n`) });
      return;
    }
    options = parseServerArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.mode === 'stdio') await runStdio(options);
  else await runServe(options);
}

main().catch((error: unknown) => {
  const message = error instanceof StoreCorruptError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
