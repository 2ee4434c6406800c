// What the Stacks view shows of drift (R26, R29): a badge on each stack with a schedule or a check
// (in sync, drifted N, unknown, with the check's age), a Drift row under a stack whose last check
// found something, and the drifted resources under it, each opening its before and after (values
// the server already masked) side by side.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';

/** "5 min ago", "3 h ago", "2 d ago": how old a check is, in the words of a badge. */
export function ageOf(iso: string, now: number = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (minutes < 1) return vscode.l10n.t('just now');
  if (minutes < 60) return vscode.l10n.t('{0} min ago', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return vscode.l10n.t('{0} h ago', hours);
  return vscode.l10n.t('{0} d ago', Math.floor(hours / 24));
}

/** The stack's drift badge, or null when it has never been checked. */
export function driftBadge(drift: Protocol.StackDrift | null | undefined, now: number = Date.now()): string | null {
  if (!drift) return null;
  const age = ageOf(drift.checkedAt, now);
  if (drift.state === 'drifted') return vscode.l10n.t('drifted {0} · {1}', drift.resources, age);
  if (drift.state === 'in-sync') return vscode.l10n.t('in sync · {0}', age);
  return vscode.l10n.t('drift unknown · {0}', age);
}

export class DriftItem extends vscode.TreeItem {
  readonly kind = 'drift';
  constructor(
    readonly stackId: string,
    readonly drift: Protocol.StackDrift,
  ) {
    super(vscode.l10n.t('Drift'), drift.state === 'drifted' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `drift:${stackId}:${drift.runId}`;
    this.description = driftBadge(drift) ?? '';
    this.iconPath =
      drift.state === 'drifted'
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : drift.state === 'in-sync'
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : new vscode.ThemeIcon('question');
    this.contextValue = `drift.${drift.state}`;
    this.tooltip = drift.state === 'unknown' ? vscode.l10n.t('The last drift check could not tell: {0}', drift.reason ?? '') : vscode.l10n.t('The last drift check ({0}); click to open its log.', drift.runId);
    this.command = { command: Command.OpenRunLog, title: vscode.l10n.t('Open Log'), arguments: [drift.runId] };
  }
}

export class DriftResourceItem extends vscode.TreeItem {
  readonly kind = 'driftResource';
  constructor(
    readonly runId: string,
    readonly resource: Protocol.DriftResource,
  ) {
    super(resource.address, vscode.TreeItemCollapsibleState.None);
    this.id = `driftResource:${runId}:${resource.address}`;
    this.description = resource.action === 'delete' ? vscode.l10n.t('deleted outside the tool') : vscode.l10n.t('changed outside the tool');
    this.iconPath = new vscode.ThemeIcon(resource.action === 'delete' ? 'trash' : 'diff-modified', new vscode.ThemeColor('list.warningForeground'));
    this.contextValue = 'driftResource';
    this.tooltip = vscode.l10n.t('{0}: as the state has it (before) and as the real infrastructure is (after). Sensitive values are masked.', resource.address);
    this.command = { command: Command.OpenDriftedResource, title: vscode.l10n.t('Open Drift'), arguments: [runId, resource.address] };
  }
}

/** Said after the rows when the check kept fewer resources than drifted. */
export class DriftMoreItem extends vscode.TreeItem {
  readonly kind = 'driftMore';
  constructor(runId: string, count: number) {
    super(vscode.l10n.t('{0} drifted in all; the check\'s log lists every one', count), vscode.TreeItemCollapsibleState.None);
    this.id = `driftMore:${runId}`;
    this.command = { command: Command.OpenRunLog, title: vscode.l10n.t('Open Log'), arguments: [runId] };
  }
}

/** The rows under a Drift row: one per drifted resource, and a last one when the list was cut. */
export function driftResourceItems(runId: string, result: Protocol.DriftResult | null): (DriftResourceItem | DriftMoreItem)[] {
  if (!result) return [];
  const items: (DriftResourceItem | DriftMoreItem)[] = result.resources.map((resource) => new DriftResourceItem(runId, resource));
  if (result.truncated || result.count > result.resources.length) items.push(new DriftMoreItem(runId, result.count));
  return items;
}
