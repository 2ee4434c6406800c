// A plan in words: one action's count (`2 to add`, `1 to destroy`, singular or plural), the counts
// Confirm applies, and Confirm's question. Part of dist/onDemand.js: read when a plan is shown or
// confirmed, not at activation.
import * as vscode from 'vscode';
import type { PlanAction, PlanCounts, PlanResourceRow } from '../../server/protocol';

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
