// What a plan's `actions` list means, and how each action is counted. `show -json` writes a change's
// actions as a list (`["delete","create"]` is a replace); the `-json` UI stream writes one word
// (`replace`, and `remove` for a forget). Both end up as one PlanAction here.
import type { PlanAction, PlanCounts } from '../protocol/plan';

export const noCounts = (): PlanCounts => ({
  add: 0,
  change: 0,
  replace: 0,
  destroy: 0,
  import: 0,
  move: 0,
  forget: 0,
  read: 0,
  drift: 0,
  outputs: 0,
  errored: false,
});

const SINGLE: Record<string, PlanAction> = {
  'no-op': 'no-op',
  create: 'create',
  read: 'read',
  update: 'update',
  delete: 'delete',
  forget: 'forget',
};

/**
 * The action of a `show -json` actions list, or null when the list is not one the tools write.
 * A create paired with a delete or a forget, in either order, is a replace.
 */
export function actionOfList(actions: unknown): PlanAction | null {
  if (!Array.isArray(actions)) return null;
  if (actions.length === 1) return (typeof actions[0] === 'string' && SINGLE[actions[0]]) || null;
  if (actions.length === 2 && actions.includes('create') && (actions.includes('delete') || actions.includes('forget'))) return 'replace';
  return null;
}

const UI: Record<string, PlanAction> = {
  noop: 'no-op',
  move: 'move',
  create: 'create',
  read: 'read',
  update: 'update',
  replace: 'replace',
  delete: 'delete',
  import: 'import',
  remove: 'forget',
};

/** The action of a `-json` UI stream message's `action` word, or null when it is not one. */
export function actionOfUiWord(word: unknown): PlanAction | null {
  return typeof word === 'string' && Object.hasOwn(UI, word) ? (UI[word] ?? null) : null;
}

/**
 * A change's action as a person reads it: a no-op that moves the resource is a move, one that
 * imports it an import (a move wins, as in the tool's own stream).
 */
export function shownAction(listed: PlanAction, moved: boolean, importing: boolean): PlanAction {
  if (listed !== 'no-op') return listed;
  if (moved) return 'move';
  if (importing) return 'import';
  return 'no-op';
}

/** Adds one resource change to the counts: its action once, and its import or move as well. */
export function countChange(counts: PlanCounts, action: PlanAction, moved: boolean, importing: boolean): void {
  switch (action) {
    case 'create':
      counts.add++;
      break;
    case 'update':
      counts.change++;
      break;
    case 'replace':
      counts.replace++;
      break;
    case 'delete':
      counts.destroy++;
      break;
    case 'read':
      counts.read++;
      break;
    case 'forget':
      counts.forget++;
      break;
    default:
      break;
  }
  if (importing) counts.import++;
  if (moved) counts.move++;
}

/** Destroys first, then replaces, then the rest. */
export const rankOf = (action: PlanAction): number => (action === 'delete' ? 0 : action === 'replace' ? 1 : 2);
