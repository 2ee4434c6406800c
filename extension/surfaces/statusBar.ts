// The status bar item: quiet when all is well; `$(warning) N detached` on the warning background
// when stacks are detached or webhooks are broken; click opens the status panel.
import * as vscode from 'vscode';
import { Command } from '../commandIds';
import type { ServerState } from '../contextKeys';

export interface StatusCounts {
  detached: number;
  brokenWebhooks: number;
  server: ServerState;
  /** Stacks whose last run is executing, and whose last run failed. */
  runningRuns?: number | undefined;
  failedRuns?: number | undefined;
  /** Stacks whose last drift check found drift (R29). */
  drifted?: number | undefined;
}

const LINK_COMMANDS = [Command.ShowStatusPanel, Command.Refresh, Command.ShowOutput, Command.RestartServer, Command.ConfigureWebhooks];

export class StatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('stackhook.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('Stackhook');
    this.item.command = Command.ShowStatusPanel;
  }

  update(counts: StatusCounts): void {
    const tooltip = new vscode.MarkdownString('', true);
    tooltip.isTrusted = { enabledCommands: LINK_COMMANDS };
    if (counts.server === 'failed') {
      this.item.text = `$(error) ${vscode.l10n.t('Stackhook')}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendMarkdown(`${vscode.l10n.t('The Stackhook server is not running.')}\n\n`);
      tooltip.appendMarkdown(`[${vscode.l10n.t('Show output')}](command:${Command.ShowOutput}) · [${vscode.l10n.t('Restart server')}](command:${Command.RestartServer})`);
      this.item.tooltip = tooltip;
      this.item.show();
      return;
    }
    const running = counts.runningRuns ?? 0;
    const failed = counts.failedRuns ?? 0;
    const drifted = counts.drifted ?? 0;
    if (counts.detached === 0 && counts.brokenWebhooks === 0 && running === 0 && failed === 0 && drifted === 0) {
      this.item.hide();
      return;
    }
    if (counts.detached === 0 && counts.brokenWebhooks === 0 && failed === 0 && drifted === 0) {
      this.item.text = `$(sync~spin) ${vscode.l10n.t('{0} running', running)}`;
      this.item.backgroundColor = undefined;
      tooltip.appendMarkdown(`${vscode.l10n.t('{0} stack(s) are running.', running)}\n\n[${vscode.l10n.t('Open status panel')}](command:${Command.ShowStatusPanel})`);
      this.item.tooltip = tooltip;
      this.item.show();
      return;
    }
    const parts: string[] = [];
    if (running > 0) parts.push(vscode.l10n.t('{0} running', running));
    if (failed > 0) parts.push(vscode.l10n.t('{0} failed', failed));
    if (drifted > 0) parts.push(vscode.l10n.t('{0} drifted', drifted));
    if (counts.detached > 0) parts.push(vscode.l10n.t('{0} detached', counts.detached));
    if (counts.brokenWebhooks > 0) parts.push(counts.brokenWebhooks === 1 ? vscode.l10n.t('1 webhook broken') : vscode.l10n.t('{0} webhooks broken', counts.brokenWebhooks));
    this.item.text = `$(warning) ${parts.join(' · ')}`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    if (counts.detached > 0) {
      tooltip.appendMarkdown(`$(warning) ${counts.detached === 1
          ? vscode.l10n.t('1 stack is detached: it receives no webhooks and cannot run until reattached.')
          : vscode.l10n.t('{0} stacks are detached: they receive no webhooks and cannot run until reattached.', counts.detached)}\n\n`);
    }
    if (counts.brokenWebhooks > 0) {
      tooltip.appendMarkdown(`$(warning) ${counts.brokenWebhooks === 1
          ? vscode.l10n.t('1 repository used by stacks has a missing or drifted webhook.')
          : vscode.l10n.t('{0} repositories used by stacks have a missing or drifted webhook.', counts.brokenWebhooks)}\n\n`);
    }
    if (failed > 0) tooltip.appendMarkdown(`$(error) ${vscode.l10n.t('The last run of {0} stack(s) failed.', failed)}\n\n`);
    if (drifted > 0) tooltip.appendMarkdown(`$(warning) ${vscode.l10n.t('{0} stack(s) drifted: their real infrastructure differs from the state.', drifted)}\n\n`);
    tooltip.appendMarkdown(`[${vscode.l10n.t('Open status panel')}](command:${Command.ShowStatusPanel}) · [${vscode.l10n.t('Refresh')}](command:${Command.Refresh})`);
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
