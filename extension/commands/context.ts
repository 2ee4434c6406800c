// What the command handlers share: the server, the health cache, and ways to redraw and show things.
import type * as vscode from 'vscode';
import type { Prompter } from './quickInput';
import type { TeamLink } from '../connection/teamServer/teamLink';
import type { StackhookServer } from '../connection/serverApi';
import type { WebhookHealthCache } from '../state/webhookHealth';

export interface CommandContext {
  readonly server: StackhookServer;
  readonly health: WebhookHealthCache;
  readonly prompter: Prompter;
  readonly output: vscode.LogOutputChannel;
  /** Redraws every view and the status bar from fresh server answers. */
  refreshAll(): void;
  showStatusPanel(): void;
  /** The team server connection's address and token (absent in tests that need none). */
  readonly team?: TeamLink;
}
