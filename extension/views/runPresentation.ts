// How a run looks: an icon in the theme's colours for its state, and one line of words. The state
// itself is the server's.
import * as vscode from 'vscode';
import type { Run } from '../../server/protocol';

const LIVE: ReadonlySet<Run['state']> = new Set(['queued', 'preparing', 'running', 'unconfirmed', 'applying']);

export const isLive = (run: Pick<Run, 'state'>): boolean => LIVE.has(run.state);

export function runIcon(run: Pick<Run, 'state'>): vscode.ThemeIcon {
  switch (run.state) {
    case 'finished':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'stopped':
    case 'discarded':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    case 'unconfirmed':
      return new vscode.ThemeIcon('question', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'queued':
      return new vscode.ThemeIcon('clock');
    default:
      return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('testing.iconQueued'));
  }
}

export function stateWords(run: Pick<Run, 'state'>): string {
  switch (run.state) {
    case 'queued':
      return vscode.l10n.t('queued');
    case 'preparing':
      return vscode.l10n.t('preparing');
    case 'running':
      return vscode.l10n.t('running');
    case 'unconfirmed':
      return vscode.l10n.t('waiting for confirmation');
    case 'applying':
      return vscode.l10n.t('applying');
    case 'finished':
      return vscode.l10n.t('finished');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'stopped':
      return vscode.l10n.t('stopped');
    case 'discarded':
      return vscode.l10n.t('discarded');
  }
}

/** `3 min ago`, `2 h ago`, `yesterday`… from an ISO time. */
export function age(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 1) return vscode.l10n.t('just now');
  if (minutes < 60) return vscode.l10n.t('{0} min ago', minutes);
  const hours = Math.round(minutes / 60);
  if (hours < 24) return vscode.l10n.t('{0} h ago', hours);
  return vscode.l10n.t('{0} d ago', Math.round(hours / 24));
}

/** `tracked · finished · 3 min ago · Plan: 1 to add, …` */
export function runLine(run: Run): string {
  // A summary that starts with the state ("discarded: Plan: …") would say it twice.
  const state = stateWords(run);
  const summary = run.summary?.toLowerCase().startsWith(`${state}:`) ? run.summary.slice(state.length + 1).trim() : run.summary;
  // A Pipelines run says which step it is at while it works (`Stackhook plan: running`).
  const progress = isLive(run) ? run.progress : undefined;
  return [run.kind, state, age(run.startedAt ?? run.createdAt), progress, summary].filter(Boolean).join(' · ');
}

/**
 * The run's context value: `run.<state>`, with `.external` when it has a page in Bitbucket, so menus
 * offer only what applies (Cancel while live, Confirm/Discard while unconfirmed, Acknowledge instead of
 * Confirm while a plan policy denies it (`.held`), Retry once ended).
 */
export function runContext(run: Run): string {
  return `run.${run.state}${isHeld(run) ? '.held' : ''}${run.externalUrl ? '.external' : ''}`;
}

/** A plan policy denies the run and nobody acknowledged it yet: Acknowledge is offered instead of Confirm (the server refuses Confirm). */
export function isHeld(run: Pick<Run, 'policy'>): boolean {
  return run.policy?.verdict === 'deny' && run.policy.acknowledged === undefined;
}

