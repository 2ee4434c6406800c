// One resource's change as a diff: two read-only virtual documents (`stackhook-plan:`), its values
// before and after as JSON, opened side by side with `vscode.diff`. The values come from the server
// (`runs/resourceChange`) with every sensitive value already "(sensitive)"; the extension shows them
// as they came and keeps them only while one of the two documents is open. Part of dist/onDemand.js,
// which asks the server through what it is given (it carries no copy of the connection).
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { PLAN_SCHEME } from './planScheme';

/** Asks the server for one resource's change (`runs/resourceChange`), values already masked. */
export type FetchChange = (runId: string, address: string) => Promise<Protocol.ResourceChange>;

export type Side = 'before' | 'after';

/** `stackhook-plan:/<run id>/<side>/<address>.json`: the address is one segment, encoded. */
export function resourceUri(runId: string, address: string, side: Side): vscode.Uri {
  return vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${encodeURIComponent(runId)}/${side}/${encodeURIComponent(address)}.json` });
}

export function parseResourceUri(uri: vscode.Uri): { runId: string; address: string; side: Side } | undefined {
  const match = /^\/([^/]+)\/(before|after)\/([^/]+)\.json$/.exec(uri.path);
  if (!match) return undefined;
  return { runId: decodeURIComponent(match[1] as string), side: match[2] as Side, address: decodeURIComponent(match[3] as string) };
}

/** What stands for a value the tool knows only once it applies (`after_unknown`). */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/** `after` with every value `unknown` marks as known only after apply shown as such. */
export function withUnknown(after: Protocol.PlanValue, unknown: Protocol.PlanValue): Protocol.PlanValue {
  if (unknown === true) return KNOWN_AFTER_APPLY;
  if (Array.isArray(unknown)) {
    const list = Array.isArray(after) ? [...after] : [];
    unknown.forEach((mark, index) => {
      if (mark === true || (typeof mark === 'object' && mark !== null)) list[index] = withUnknown(list[index] ?? null, mark);
    });
    return list;
  }
  if (typeof unknown === 'object' && unknown !== null) {
    const base: { [key: string]: Protocol.PlanValue } = typeof after === 'object' && after !== null && !Array.isArray(after) ? { ...after } : {};
    for (const [key, mark] of Object.entries(unknown)) {
      if (mark === true || (typeof mark === 'object' && mark !== null)) base[key] = withUnknown(base[key] ?? null, mark);
    }
    return base;
  }
  return after;
}

/** A side as the document shows it: JSON with sorted keys, so both sides line up in the diff. */
export function sideText(change: Protocol.ResourceChange, side: Side): string {
  const value = side === 'before' ? change.before : withUnknown(change.after, change.unknown);
  const lines = [JSON.stringify(sorted(value), null, 2) ?? 'null'];
  if (change.truncated) lines.push('', vscode.l10n.t('// Some values were too long to show whole; "…" marks where they were cut.'));
  return `${lines.join('\n')}\n`;
}

function sorted(value: Protocol.PlanValue): Protocol.PlanValue {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value === 'object' && value !== null) {
    const out: { [key: string]: Protocol.PlanValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = sorted(value[key] as Protocol.PlanValue);
    return out;
  }
  return value;
}

export class ResourceChangeDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  /** One request for both sides of a pair; forgotten when neither document is open any more. */
  private readonly changes = new Map<string, Promise<Protocol.ResourceChange>>();
  private readonly open = new Map<string, number>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly fetch: FetchChange) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((document) => {
      const parsed = document.uri.scheme === PLAN_SCHEME ? parseResourceUri(document.uri) : undefined;
      if (!parsed) return;
      const key = `${parsed.runId}\n${parsed.address}`;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else {
        this.open.delete(key);
        this.changes.delete(key);
      }
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parseResourceUri(uri);
    if (!parsed) return vscode.l10n.t('(not a resource of a plan)');
    const key = `${parsed.runId}\n${parsed.address}`;
    let change = this.changes.get(key);
    if (!change) {
      change = this.fetch(parsed.runId, parsed.address);
      this.changes.set(key, change);
      // A failed answer is not kept: opening it again asks again.
      change.catch(() => this.changes.delete(key));
    }
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
    try {
      return sideText(await change, parsed.side);
    } catch (error) {
      return vscode.l10n.t('The change of {0} could not be read: {1}', parsed.address, error instanceof Error ? error.message : String(error));
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.clear();
    this.open.clear();
  }
}

/** Opens the resource's before and after side by side. */
export async function openResourceDiff(runId: string, address: string, action?: string): Promise<void> {
  const title = action ? vscode.l10n.t('{0} ({1}): before ↔ after', address, action) : vscode.l10n.t('{0}: before ↔ after', address);
  await vscode.commands.executeCommand('vscode.diff', resourceUri(runId, address, 'before'), resourceUri(runId, address, 'after'), title, { preview: true });
}
