// The status bar item of a team connection: who you are connected as, that it is reconnecting, or
// that the server refused the token (click to paste a new one). Hidden when Stackhook runs locally.
import * as vscode from 'vscode';
import { Command } from '../commandIds';
import type { TeamStatus } from '../connection/teamServer/teamLink';

export class TeamStatusItem implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('stackhook.teamServer', vscode.StatusBarAlignment.Left, 11);
    this.item.name = vscode.l10n.t('Stackhook team server');
  }

  update(status: TeamStatus): void {
    this.item.backgroundColor = undefined;
    this.item.command = undefined;
    switch (status.kind) {
      case 'local':
        this.item.hide();
        return;
      case 'connecting':
        this.item.text = `$(sync~spin) ${vscode.l10n.t('Connecting to {0}…', status.host)}`;
        this.item.tooltip = vscode.l10n.t('Stackhook is connecting to the team server {0}.', status.host);
        break;
      case 'connected':
        this.item.text = `$(cloud) ${vscode.l10n.t('{0} on {1}', status.user, status.host)}`;
        this.item.tooltip = vscode.l10n.t('Connected to the team server {0} as {1}. Click to disconnect.', status.host, status.user);
        this.item.command = Command.DisconnectTeamServer;
        break;
      case 'reconnecting':
        this.item.text = `$(sync~spin) ${vscode.l10n.t('Reconnecting to {0}…', status.host)}`;
        this.item.tooltip = vscode.l10n.t('The team server {0} cannot be reached ({1}); Stackhook keeps trying.', status.host, status.reason);
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'refused':
        this.item.text = `$(error) ${vscode.l10n.t('Refused by {0}: {1}', status.host, status.reason)}`;
        this.item.tooltip = vscode.l10n.t('Click to paste a new token.');
        this.item.command = Command.ConnectTeamServer;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
