// The status panel: detached stacks (Reattach), webhook health of repositories used by stacks
// (Repair), recent deliveries. The page is media/panel.html with a nonce CSP and no inline script;
// its state survives hide/show through the webview's own getState/setState.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { Command } from '../commandIds';
import { commitLinksSummary } from '../state/commitLinksCache';
import type { Overview, OverviewState, WebhookRow } from '../state/overview';
import { parseFromPanel, type PanelCommitLinks, type PanelState, type ToPanel } from './panelMessages';
import { verdictBadge, webhookSummary } from '../views/presentation';
import { runLine } from '../views/runPresentation';
import { driftBadge } from '../views/driftItems';

export const PANEL_VIEW_TYPE = 'stackhook.status';

export function panelState(state: OverviewState): PanelState {
  const refusedIds = new Set(state.integrations.filter((integration) => integration.credentialRefused).map((integration) => integration.id));
  const stackName = (stackId: string) => state.stacks.find((stack) => stack.id === stackId)?.name ?? stackId;
  return {
    refused: state.integrations.flatMap((integration) =>
      integration.credentialRefused
        ? [{ integrationId: integration.id, name: integration.name, reason: integration.credentialRefused.reason, at: integration.credentialRefused.at }]
        : [],
    ),
    detached: state.stacks
      .filter((stack) => stack.state === 'detached')
      .map((stack) => ({ id: stack.id, name: stack.name, detachedFrom: stack.detachedFrom, repository: stack.repository, branch: stack.branch })),
    drifted: state.stacks.flatMap((stack) => (stack.drift?.state === 'drifted' ? [{ name: stack.name, line: driftBadge(stack.drift) ?? '', runId: stack.drift.runId }] : [])),
    webhooks: state.webhooks.map((row) => ({
      integrationId: row.integrationId,
      integrationName: row.integrationName,
      repository: row.repository,
      stacks: row.stacks,
      // A webhook checked through a token Bitbucket now refuses is not known to be ok any more.
      state: refusedIds.has(row.integrationId) ? 'error' : (row.health?.state ?? 'unchecked'),
      summary: refusedIds.has(row.integrationId) ? vscode.l10n.t('cannot be checked: the API token was refused') : webhookSummary(row.health),
      repairable: row.health?.repairable === true,
    })),
    commitLinks: state.webhooks.map(panelCommitLinks),
    deliveries: state.deliveries.map((delivery) => ({
      id: delivery.id,
      eventKey: delivery.eventKey,
      repository: delivery.repository ?? '',
      verdict: delivery.verdict,
      reason: delivery.reason,
      receivedAt: delivery.receivedAt,
      refused: delivery.status >= 400,
      ...verdictBadge(delivery),
    })),
    runs: (state.runs ?? []).map((run) => ({ id: run.id, stackId: run.stackId, stackName: stackName(run.stackId), line: runLine(run), state: run.state })),
    receiver: state.status
      ? state.status.listener.state === 'listening'
        ? vscode.l10n.t('Receiving webhooks at {0} (public URL {1})', state.status.listener.url ?? '', state.status.publicUrl)
        : state.status.listener.state === 'elsewhere'
          ? vscode.l10n.t('Another Stackhook window receives the webhooks.')
          : state.status.listener.state === 'failed'
            ? vscode.l10n.t('The webhook receiver did not start: {0}', state.status.listener.message ?? '')
            : vscode.l10n.t('No webhook receiver runs in this window (setting stackhook.listen is empty).')
      : '',
    text: {
      refused: vscode.l10n.t('Integrations whose API token Bitbucket refused'),
      replaceToken: vscode.l10n.t('Replace Token'),
      refusedAt: vscode.l10n.t('refused'),
      detached: vscode.l10n.t('Detached stacks'),
      noDetached: vscode.l10n.t('No stack is detached.'),
      drifted: vscode.l10n.t('Drifted stacks'),
      noDrifted: vscode.l10n.t('No stack has drifted since its last check.'),
      webhooks: vscode.l10n.t('Webhooks of repositories used by stacks'),
      noWebhooks: vscode.l10n.t('No attached stack uses a repository yet; webhooks of detached stacks are checked once they are reattached.'),
      deliveries: vscode.l10n.t('Recent deliveries'),
      noDeliveries: vscode.l10n.t('No delivery has arrived yet.'),
      reattach: vscode.l10n.t('Reattach'),
      repair: vscode.l10n.t('Repair'),
      refresh: vscode.l10n.t('Refresh'),
      wasOn: vscode.l10n.t('was on'),
      usedBy: vscode.l10n.t('used by'),
      commitLinks: vscode.l10n.t('Pull Request Commit Links of repositories used by stacks'),
      noCommitLinks: vscode.l10n.t('No attached stack uses a repository yet.'),
      openCommit: vscode.l10n.t('Open a commit in Bitbucket'),
      runs: vscode.l10n.t('Recent runs'),
      noRuns: vscode.l10n.t('No run yet.'),
      openLog: vscode.l10n.t('Open Log'),
    },
  };
}

function panelCommitLinks(row: WebhookRow): PanelCommitLinks {
  const entry = row.commitLinks;
  const base = { integrationId: row.integrationId, repository: row.repository, summary: commitLinksSummary(entry) };
  if (!entry) return { ...base, state: 'unchecked', message: '', canOpenCommit: false };
  if ('error' in entry) return { ...base, state: 'error', message: entry.error, canOpenCommit: false };
  return { ...base, state: entry.status.state, message: entry.status.message, canOpenCommit: entry.status.state === 'not-installed' && entry.status.commitUrl !== null };
}

export function panelHtml(template: string, webview: vscode.Webview, media: vscode.Uri, nonce: string): string {
  const values: Record<string, string> = {
    cspSource: webview.cspSource,
    nonce,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
    title: vscode.l10n.t('Stackhook status'),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => values[name] ?? match);
}

export class StatusPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly media: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    private readonly overview: Overview,
  ) {
    this.media = vscode.Uri.joinPath(extensionUri, 'media');
    this.subscriptions.push(overview.onDidChange((state) => this.post(state)));
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('Stackhook status'), vscode.ViewColumn.Active, this.options());
    this.attach(panel);
  }

  /** Also used when VS Code restores the panel after a reload. */
  attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.media, 'stackhook.svg');
    const template = readFileSync(vscode.Uri.joinPath(this.media, 'panel.html').fsPath, 'utf8');
    panel.webview.html = panelHtml(template, panel.webview, this.media, randomBytes(16).toString('base64'));
    panel.webview.onDidReceiveMessage((raw) => this.receive(raw));
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    void this.overview.refresh();
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, localResourceRoots: [this.media], enableFindWidget: true };
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseFromPanel(raw);
    switch (message?.type) {
      case 'ready':
        this.post(this.overview.state);
        this.overview.watchCommitLinks();
        break;
      case 'refresh':
        await vscode.commands.executeCommand(Command.Refresh);
        break;
      case 'reattach':
        await vscode.commands.executeCommand(Command.ReattachStack, message.stackId);
        break;
      case 'repair':
        await vscode.commands.executeCommand(Command.RepairWebhook, message.integrationId, message.repository);
        break;
      case 'openCommit':
        await this.openCommit(message.integrationId, message.repository);
        break;
      case 'openLog':
        await vscode.commands.executeCommand(Command.OpenRunLog, message.runId);
        break;
      case 'replaceToken':
        await vscode.commands.executeCommand(Command.ReplaceToken, message.integrationId);
        break;
    }
  }

  /** Opens only the commit page the server named for that row, whatever the page sent. */
  private async openCommit(integrationId: string, repository: string): Promise<void> {
    const row = this.overview.state.webhooks.find((candidate) => candidate.integrationId === integrationId && candidate.repository === repository);
    const entry = row?.commitLinks;
    if (!entry || 'error' in entry || !entry.status.commitUrl) return;
    await vscode.env.openExternal(vscode.Uri.parse(entry.status.commitUrl));
  }

  private post(state: OverviewState): void {
    const message: ToPanel = { type: 'state', state: panelState(state) };
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
