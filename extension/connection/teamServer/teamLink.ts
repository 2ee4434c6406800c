// The editor's link to a team server: the address from `stackhook.server`, the token in SecretStorage,
// and what the status bar shows (connected as ana, reconnecting, refused). The language client asks it
// for transports; after a drop it waits out the backoff and tries again until the server is back or
// refuses the token. A connection the server closed because its token was revoked or expired is not
// tried again: the token will only be refused, so the person is asked for a new one.
import * as vscode from 'vscode';
import type { MessageTransports } from 'vscode-languageclient/node';
import { TOKEN_ENDED_CLOSE_CODE, TOKEN_ENDED_REASONS } from '../../../server/protocol/tokenEnded';
import { parseTeamAddress, type TeamAddress } from './address';
import { reconnectDelayMs } from './backoff';
import { openTeamTransport } from './connect';
import { TeamRefusal } from './refusal';

export type TeamStatus =
  | { readonly kind: 'local' }
  | { readonly kind: 'connecting'; readonly host: string }
  | { readonly kind: 'connected'; readonly host: string; readonly user: string }
  | { readonly kind: 'reconnecting'; readonly host: string; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'refused'; readonly host: string; readonly reason: string };

const tokenKey = (address: TeamAddress) => `stackhook.teamServer.token.${address.url}`;

export class TeamLink implements vscode.Disposable {
  private current: TeamStatus = { kind: 'local' };
  private readonly changed = new vscode.EventEmitter<TeamStatus>();
  readonly onDidChange = this.changed.event;
  /** Consecutive failed attempts; 0 while connected. */
  private attempts = 0;
  /** Bumped by `reset`: an attempt loop of an older generation gives up. */
  private generation = 0;
  /** Set when the server closed the connection because its token stopped authenticating. */
  private ended: 'revoked' | 'expired' | null = null;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get status(): TeamStatus {
    return this.current;
  }

  /** The configured team server, or null for the local companion process. Throws for an unusable address. */
  address(setting: string): TeamAddress | null {
    return setting ? parseTeamAddress(setting) : null;
  }

  getToken(address: TeamAddress): Thenable<string | undefined> {
    return this.secrets.get(tokenKey(address));
  }

  storeToken(address: TeamAddress, token: string): Thenable<void> {
    return this.secrets.store(tokenKey(address), token);
  }

  deleteToken(address: TeamAddress): Thenable<void> {
    return this.secrets.delete(tokenKey(address));
  }

  /** Forget the previous connection's attempts (a new start, a disconnect). */
  reset(): void {
    this.generation += 1;
    this.attempts = 0;
    this.ended = null;
    this.set({ kind: 'local' });
  }

  /** Whether the server ended the connection for its token (revoked or expired): reconnecting would not help. */
  get tokenEnded(): 'revoked' | 'expired' | null {
    return this.ended;
  }

  markConnected(address: TeamAddress, user: string): void {
    this.set({ kind: 'connected', host: address.host, user });
  }

  markRefused(address: TeamAddress, reason: string): void {
    this.set({ kind: 'refused', host: address.host, reason });
  }

  /** For the language client: a transport, after the backoff if the last attempt failed. */
  async transports(address: TeamAddress): Promise<MessageTransports> {
    const generation = this.generation;
    const token = await this.getToken(address);
    if (!token) {
      this.markRefused(address, vscode.l10n.t('no token stored'));
      throw new TeamRefusal(401, 'No token is stored for this server.');
    }
    if (this.ended) throw new TeamRefusal(401, `The token was ${this.ended === 'expired' ? 'expired' : 'revoked'} while connected.`);
    for (;;) {
      if (this.attempts > 0) await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(this.attempts)));
      if (generation !== this.generation) throw new Error('The connection attempt was replaced by a newer one.');
      if (this.current.kind !== 'reconnecting') this.set({ kind: 'connecting', host: address.host });
      try {
        const transport = await openTeamTransport(address, token, (code, reason) => {
          if (generation !== this.generation) return;
          if (code === TOKEN_ENDED_CLOSE_CODE) {
            this.ended = reason === TOKEN_ENDED_REASONS.expired ? 'expired' : 'revoked';
            this.markRefused(address, this.ended === 'expired' ? vscode.l10n.t('token expired') : vscode.l10n.t('token revoked'));
            return;
          }
          // The next transport the client asks for follows a drop: it waits out a backoff first.
          this.attempts = 1;
        });
        this.attempts = 0;
        return { reader: transport.reader, writer: transport.writer, detached: false };
      } catch (error) {
        if (error instanceof TeamRefusal && error.status !== 429 && error.status < 500) {
          this.markRefused(address, error.status === 401 ? vscode.l10n.t('token wrong, expired or revoked') : error.message);
          throw error;
        }
        this.attempts += 1;
        const reason = error instanceof Error ? error.message : String(error);
        this.output.warn(`Team server ${address.host}: ${reason}; trying again (attempt ${this.attempts}).`);
        this.set({ kind: 'reconnecting', host: address.host, attempt: this.attempts, reason });
      }
    }
  }

  private set(status: TeamStatus): void {
    this.current = status;
    this.changed.fire(status);
  }

  dispose(): void {
    this.generation += 1;
    this.changed.dispose();
  }
}
