// How a run looks: an icon in the theme's colours for its state, and one line of words. The state
// itself is the server's.
import * as vscode from 'vscode';
import type { PlanAction, PlanCounts, PlanResourceRow, Run } from '../../server/protocol';

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
  return [run.kind, stateWords(run), age(run.startedAt ?? run.createdAt), run.summary].filter(Boolean).join(' · ');
}

/**
 * The run's context value: `run.<state>`, with `.external` when it has a page in Bitbucket, so menus
 * offer only what applies (Cancel while live, Confirm/Discard while unconfirmed, Retry once ended).
 */
export function runContext(run: Run): string {
  return `run.${run.state}${run.externalUrl ? '.external' : ''}`;
}

/** `2 to add`, `1 to destroy`: one action's count in words, singular or plural. */
export function actionWords(action: PlanAction, count: number): string {
  switch (action) {
    case 'delete':
      return count === 1 ? vscode.l10n.t('1 to destroy') : vscode.l10n.t('{0} to destroy', count);
    case 'replace':
      return count === 1 ? vscode.l10n.t('1 to replace') : vscode.l10n.t('{0} to replace', count);
    case 'create':
      return count === 1 ? vscode.l10n.t('1 to add') : vscode.l10n.t('{0} to add', count);
    case 'update':
      return count === 1 ? vscode.l10n.t('1 to change') : vscode.l10n.t('{0} to change', count);
    case 'import':
      return count === 1 ? vscode.l10n.t('1 to import') : vscode.l10n.t('{0} to import', count);
    case 'move':
      return count === 1 ? vscode.l10n.t('1 to move') : vscode.l10n.t('{0} to move', count);
    case 'forget':
      return count === 1 ? vscode.l10n.t('1 to forget') : vscode.l10n.t('{0} to forget', count);
    case 'read':
      return count === 1 ? vscode.l10n.t('1 data source to read') : vscode.l10n.t('{0} data sources to read', count);
    case 'no-op':
      return count === 1 ? vscode.l10n.t('1 unchanged') : vscode.l10n.t('{0} unchanged', count);
  }
}


/** What Confirm applies, in words: `2 to add, 1 to replace, 3 to destroy`; the plan's order of reading. */
export function planWords(counts: PlanCounts): string {
  const parts: [PlanAction, number][] = [
    ['create', counts.add],
    ['update', counts.change],
    ['replace', counts.replace],
    ['delete', counts.destroy],
    ['import', counts.import],
    ['move', counts.move],
    ['forget', counts.forget],
  ];
  return parts
    .filter(([, count]) => count > 0)
    .map(([action, count]) => actionWords(action, count))
    .join(', ');
}

/** Addresses named in Confirm's question: what is destroyed, then what is replaced. */
export const NAMED_IN_CONFIRM = 3;

/**
 * Confirm's question: `Apply to prod-network: 2 to add, 1 to replace, 3 to destroy (aws_db_instance.main, …)?`,
 * naming the first destroyed and replaced resources (the rows come destroys first, then replaces).
 */
export function confirmQuestion(stack: string, counts: PlanCounts | null | undefined, rows: readonly PlanResourceRow[] = []): string {
  if (!counts) return vscode.l10n.t('Apply the plan of {0}?', stack);
  const what = planWords(counts) || vscode.l10n.t('no changes');
  const lost = rows.filter((row) => row.action === 'delete' || row.action === 'replace').map((row) => row.address);
  const total = Math.max(lost.length, counts.destroy + counts.replace);
  if (total === 0) return vscode.l10n.t('Apply to {0}: {1}?', stack, what);
  const named = lost.slice(0, NAMED_IN_CONFIRM);
  const list = total > named.length ? [...named, '…'].join(', ') : named.join(', ');
  return named.length === 0 ? vscode.l10n.t('Apply to {0}: {1}?', stack, what) : vscode.l10n.t('Apply to {0}: {1} ({2})?', stack, what, list);
}
