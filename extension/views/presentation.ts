// How server states look in the views: icon, colour and words. Presentation only: the state itself
// (ok, missing, drifted, …; queued, refused, …) is decided by the server.
import * as vscode from 'vscode';
import type { Delivery, WebhookHealth } from '../../server/protocol';

/** A missing hook is an error only where a stack needs it; elsewhere it is just not there. */
export function webhookIcon(health: WebhookHealth | undefined, neededByStack = true): vscode.ThemeIcon {
  switch (health?.state) {
    case 'ok':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'missing':
      return neededByStack ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')) : new vscode.ThemeIcon('circle-outline');
    case 'drifted':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'forbidden':
      return new vscode.ThemeIcon('lock', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'error':
      return new vscode.ThemeIcon('question', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    default:
      return new vscode.ThemeIcon('repo');
  }
}

/** One line of Markdown as plain text for a tree row (the tooltip renders the Markdown itself). */
export function markdownLine(markdown: string): string {
  const line = markdown.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|\*|_|`)(.+?)\1/g, '$2')
    .replace(/^\s*(#+|>|[-*+])\s+/, '')
    .trim();
}

export function webhookSummary(health: WebhookHealth | undefined): string {
  switch (health?.state) {
    case 'ok':
      return vscode.l10n.t('webhook ok');
    case 'missing':
      return vscode.l10n.t('no webhook');
    case 'drifted':
      return vscode.l10n.t('webhook drifted: {0}', health.problems.join('; '));
    case 'forbidden':
      return vscode.l10n.t('cannot read webhooks: {0}', health.problems.join('; ') || vscode.l10n.t('no permission'));
    case 'error':
      return vscode.l10n.t('webhook check failed: {0}', health.problems.join('; '));
    default:
      return vscode.l10n.t('webhook not checked');
  }
}

/** A verdict in words for a badge, and the colour of what it means: a run, nothing to do, or a refusal. */
export function verdictBadge(delivery: Delivery): { badge: string; tone: 'ok' | 'neutral' | 'error' } {
  switch (delivery.verdict) {
    case 'queued':
      return { badge: delivery.stackIds.length === 1 ? vscode.l10n.t('run queued') : vscode.l10n.t('runs queued'), tone: 'ok' };
    case 'ignored':
      return { badge: vscode.l10n.t('ignored'), tone: 'neutral' };
    case 'duplicate':
      return { badge: vscode.l10n.t('duplicate, already handled'), tone: 'neutral' };
    case 'bad-signature':
      return { badge: vscode.l10n.t('refused: bad signature'), tone: 'error' };
    case 'invalid':
      return { badge: vscode.l10n.t('refused: not a valid delivery'), tone: 'error' };
    case 'unknown-integration':
      return { badge: vscode.l10n.t('refused: unknown integration'), tone: 'error' };
    case 'deleted-integration':
      return { badge: vscode.l10n.t('refused: integration deleted'), tone: 'error' };
  }
}

export function deliveryIcon(delivery: Delivery): vscode.ThemeIcon {
  switch (delivery.verdict) {
    case 'queued':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'ignored':
      return new vscode.ThemeIcon('circle-slash');
    case 'duplicate':
      return new vscode.ThemeIcon('copy');
    default:
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  }
}

/** `2026-11-25T12:04:05Z` → the local time, with the date when it is not today. */
export function when(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return date.toDateString() === now.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}
