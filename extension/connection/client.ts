// The language client's life cycle: start the companion server over stdio with the settings' flags,
// answer its secret requests from SecretStorage, restart it a bounded number of times when it dies,
// then stop and say so with Show output / Restart.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  WorkDoneProgress,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { z } from 'zod';
import type * as Protocol from '../../server/protocol';
import { TO_EDITOR } from '../../server/protocol/toEditor';
import { Command } from '../commandIds';
import { readSettings, serverArgs } from './config';
import type { ServerState } from '../contextKeys';
import { registerSecret } from '../surfaces/log';
import { protocol } from './protocol';
import type { DeliveryRefusal, RequestOptions, StackhookServer } from './serverApi';
import type { TeamAddress } from './teamServer/address';
import { TeamLink } from './teamServer/teamLink';
import { unreachableTeam } from './teamServer/unreachable';
import { TeamRefusal } from './teamServer/refusal';

/** Crashes tolerated within RESTART_WINDOW_MS before we stop restarting and ask the user. */
export const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

export class StackhookClient implements StackhookServer, vscode.Disposable {
  private client: LanguageClient | undefined;
  private crashes: number[] = [];
  private current: ServerState = 'stopped';
  private readonly changed = new vscode.EventEmitter<Protocol.ChangeTopic[]>();
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  readonly onChanged = this.changed.event;
  private readonly refused = new vscode.EventEmitter<DeliveryRefusal>();
  readonly onDeliveryRefused = this.refused.event;
  readonly onDidChangeState = this.stateChanged.event;
  /** Set while `stackhook.server` names a team server: the same client, over a WebSocket. */
  private teamAddress: TeamAddress | null = null;
  readonly team: TeamLink;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.team = new TeamLink(context.secrets, output);
  }

  get state(): ServerState {
    return this.current;
  }

  private setState(state: ServerState): void {
    if (state === this.current) return;
    this.current = state;
    this.stateChanged.fire(state);
  }

  async start(): Promise<void> {
    const settings = readSettings();
    this.team.reset();
    try {
      this.teamAddress = this.team.address(settings.server);
    } catch (error) {
      this.output.error(`The setting stackhook.server cannot be used: ${error instanceof Error ? error.message : String(error)}`);
      this.fail();
      return;
    }
    const team = this.teamAddress;
    const module = this.context.asAbsolutePath('dist/server.js');
    const args = serverArgs(settings);
    // In team mode the editor runs no server (and so no receiver) of its own: the team server does.
    const serverOptions: ServerOptions = team
      ? () => this.team.transports(team)
      : {
          run: { module, transport: TransportKind.stdio, args },
          debug: { module, transport: TransportKind.stdio, args },
        };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      // Our own messages offer "Show output"; the client should not pop the channel open.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: this.errorHandler(),
      initializationFailedHandler: () => false,
    };
    // The id `stackhook` makes the client honour the `stackhook.trace.server` setting.
    const client = new LanguageClient('stackhook', 'Stackhook', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState(({ newState }) => {
      if (this.client !== client) return;
      if (newState === State.Running) {
        this.setState('running');
        if (team) void this.showWhoIsConnected(team);
      }
      else if (newState === State.Starting) this.setState('starting');
      else if (this.current !== 'failed') this.setState('stopped');
    });
    // Registered by name (toEditor.ts): the schemas that check what arrives load with the first message.
    client.onNotification(TO_EDITOR.changed, (params: unknown) => {
      const parsed = protocol().Changed.params.safeParse(params);
      if (parsed.success) this.changed.fire(parsed.data.topics);
    });
    client.onNotification(TO_EDITOR.deliveryRefused, (params: unknown) => {
      const parsed = protocol().DeliveryRefused.params.safeParse(params);
      if (parsed.success) this.refused.fire(parsed.data);
    });
    client.onRequest(TO_EDITOR.secretsGet, async (params: unknown) => {
      const { key } = protocol().SecretsGet.params.parse(params);
      const value = (await this.context.secrets.get(key)) ?? null;
      registerSecret(value);
      return { value };
    });
    client.onRequest(TO_EDITOR.secretsStore, async (params: unknown) => {
      const { key, value } = protocol().SecretsStore.params.parse(params);
      registerSecret(value);
      if (value === null) await this.context.secrets.delete(key);
      else await this.context.secrets.store(key, value);
      return {};
    });
    this.setState('starting');
    try {
      await client.start();
      this.setState('running');
    } catch (error) {
      if (error instanceof TeamRefusal) {
        this.output.error(error.message);
        this.setState('failed');
        return;
      }
      this.output.error(`The Stackhook server did not start: ${error instanceof Error ? error.message : String(error)}`);
      this.fail();
    }
  }

  /** Connected (again): the status bar says as whom, which only the server knows (it read the token). */
  private async showWhoIsConnected(team: TeamAddress): Promise<void> {
    try {
      const status = await this.request(protocol().Status, {});
      if (this.teamAddress === team) this.team.markConnected(team, status.user);
    } catch (error) {
      this.output.warn(`Connected to ${team.host}, but its status could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private errorHandler(): ErrorHandler {
    return {
      error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
      closed: () => {
        if (this.teamAddress) {
          // A token the server revoked (or that expired) would only be refused again: ask for a new one.
          const ended = this.team.tokenEnded;
          if (ended) {
            this.setState('failed');
            void this.askForNewToken(ended);
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          // A team server that went away is tried again and again, with backoff, until it is back.
          return { action: CloseAction.Restart, handled: true };
        }
        const now = Date.now();
        this.crashes = [...this.crashes.filter((at) => now - at < RESTART_WINDOW_MS), now];
        if (this.crashes.length <= MAX_RESTARTS) {
          this.output.warn(`The Stackhook server stopped; restarting it (${this.crashes.length} of ${MAX_RESTARTS}).`);
          return { action: CloseAction.Restart, handled: true };
        }
        this.fail();
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private async askForNewToken(ended: 'revoked' | 'expired'): Promise<void> {
    const message = ended === 'expired' ? vscode.l10n.t('Your token expired: paste a new one.') : vscode.l10n.t('Your token was revoked: paste a new one.');
    this.output.error(message);
    const paste = vscode.l10n.t('Paste a new token');
    if ((await vscode.window.showErrorMessage(message, paste)) === paste) await vscode.commands.executeCommand(Command.ConnectTeamServer);
  }

  private fail(): void {
    this.setState('failed');
    void vscode.window
      .showErrorMessage(
        vscode.l10n.t('The Stackhook server stopped and was not restarted. The output has the reason.'),
        vscode.l10n.t('Show output'),
        vscode.l10n.t('Restart'),
      )
      .then((choice) => {
        if (choice === vscode.l10n.t('Show output')) this.output.show(true);
        else if (choice === vscode.l10n.t('Restart')) void this.restart();
      });
  }

  async request<P extends z.ZodType, R extends z.ZodType>(
    definition: Protocol.RequestDefinition<P, R>,
    params: z.input<P>,
    options: RequestOptions = {},
  ): Promise<z.output<R>> {
    const client = this.client;
    if (!client || this.current === 'failed' || this.current === 'stopped') {
      throw Object.assign(new Error(vscode.l10n.t('The Stackhook server is not running. Restart it, or see the output for why it stopped.')), {
        data: { kind: 'Unavailable' },
      });
    }
    // While the team server is away, a request would wait for the connection to come back and its
    // answer (a picker, a dialog) pop up long after: say at once that it is away, and send nothing.
    const away = unreachableTeam(this.team.status);
    if (away) throw Object.assign(new Error(away), { data: { kind: 'Unavailable' } });
    let progress: vscode.Disposable | undefined;
    let sent = params;
    if (options.progress) {
      const workDoneToken = randomUUID();
      const report = options.progress;
      progress = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind !== 'end') report(value.message, value.percentage);
      });
      sent = { ...(params as object), workDoneToken } as z.input<P>;
    }
    try {
      return definition.result.parse(await client.sendRequest(protocol().wireType(definition), sent, options.token));
    } catch (error) {
      // The server answers a cancelled request with RequestCancelled; the caller asked for it, so it is no failure.
      if (options.token?.isCancellationRequested) throw new vscode.CancellationError();
      throw error;
    } finally {
      progress?.dispose();
    }
  }

  async restart(): Promise<void> {
    this.crashes = [];
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.setState('stopped');
    if (client?.isRunning()) await client.stop().catch(() => undefined);
  }

  dispose(): void {
    void this.stop();
    this.team.dispose();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}

