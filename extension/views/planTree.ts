// A run's structured plan as tree rows under the run: one group per action with its count
// (destroys and replaces first, as the server orders the rows), drift apart, then what else the
// person must read (problems, failed checks, rows left out). Each resource shows why (the tool's
// reason, where it moved from) and opens its before/after diff. Part of dist/onDemand.js, loaded on
// the first plan opened (onDemandLoader.ts).
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';
import { actionWords } from './planWords';

type Action = Protocol.PlanAction;

/** The order of the groups: what cannot be undone first. `no-op` rows are not shown. */
export const GROUP_ORDER: readonly Action[] = ['delete', 'replace', 'create', 'update', 'import', 'move', 'forget', 'read'];

/** The whole count of an action, as the plan counted it (rows may have been cut; counts never are). */
export function countOf(counts: Protocol.PlanCounts, action: Action): number | undefined {
  switch (action) {
    case 'delete':
      return counts.destroy;
    case 'replace':
      return counts.replace;
    case 'create':
      return counts.add;
    case 'update':
      return counts.change;
    case 'import':
      return counts.import;
    case 'move':
      return counts.move;
    case 'forget':
      return counts.forget;
    case 'read':
      return counts.read;
    case 'no-op':
      return undefined;
  }
}

function actionIcon(action: Action): vscode.ThemeIcon {
  switch (action) {
    case 'delete':
      return new vscode.ThemeIcon('trash', new vscode.ThemeColor('gitDecoration.deletedResourceForeground'));
    case 'replace':
      return new vscode.ThemeIcon('sync', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'create':
      return new vscode.ThemeIcon('add', new vscode.ThemeColor('gitDecoration.addedResourceForeground'));
    case 'update':
      return new vscode.ThemeIcon('edit', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'));
    case 'import':
      return new vscode.ThemeIcon('cloud-download');
    case 'move':
      return new vscode.ThemeIcon('arrow-right');
    case 'forget':
      return new vscode.ThemeIcon('eye-closed');
    default:
      return new vscode.ThemeIcon('book');
  }
}

/** Why, in the tool's words (`replace_because_cannot_update`), where it moved from, and the attributes that force a replace. */
export function resourceWhy(row: Protocol.PlanResourceRow): string {
  const parts: string[] = [];
  if (row.reason) parts.push(row.reason);
  if (row.previousAddress) parts.push(vscode.l10n.t('moved from {0}', row.previousAddress));
  if (row.importing && row.action !== 'import') parts.push(vscode.l10n.t('imported'));
  if (row.replacePaths && row.replacePaths.length > 0) parts.push(vscode.l10n.t('forced by {0}', row.replacePaths.map((path) => path.join('.')).join(', ')));
  return parts.join(' · ');
}

export class PlanResourceItem extends vscode.TreeItem {
  readonly kind = 'planResource';
  constructor(
    readonly runId: string,
    readonly row: Protocol.PlanResourceRow,
    drift = false,
    findings: readonly Protocol.PolicyFinding[] = [],
  ) {
    super(row.address, vscode.TreeItemCollapsibleState.None);
    this.id = `plan:${runId}:${drift ? 'drift' : 'change'}:${row.address}`;
    const denied = findings.some((finding) => finding.effect === 'deny');
    // A policy finding on the resource comes first: it is what decides whether the plan may be applied.
    const policy = findings.length === 0 ? '' : denied ? vscode.l10n.t('denied by policy') : vscode.l10n.t('policy warning');
    this.description = [policy, drift ? row.action : resourceWhy(row)].filter(Boolean).join(' · ');
    this.iconPath = denied ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('problemsErrorIcon.foreground')) : actionIcon(row.action);
    this.contextValue = drift ? 'planDrift' : 'planResource';
    this.tooltip = [row.address, row.action, resourceWhy(row), ...findings.map((finding) => `${finding.effect} (${finding.rule}): ${finding.message}`)].filter(Boolean).join('\n');
    if (!drift) this.command = { command: Command.OpenResourceChange, title: vscode.l10n.t('Show Change'), arguments: [{ runId, address: row.address }] };
  }
  get address(): string {
    return this.row.address;
  }
}

export class PlanGroupItem extends vscode.TreeItem {
  readonly kind = 'planGroup';
  constructor(
    runId: string,
    key: string,
    label: string,
    readonly children: readonly PlanNode[],
    icon: vscode.ThemeIcon,
    expanded: boolean,
  ) {
    super(label, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `plan:${runId}:group:${key}`;
    this.iconPath = icon;
    this.contextValue = 'planGroup';
  }
}

/** A line of the plan with nothing below it: a problem, a failed check, rows left out. */
export class PlanNoteItem extends vscode.TreeItem {
  readonly kind = 'planNote';
  constructor(id: string, label: string, description: string | undefined, icon: vscode.ThemeIcon, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.description = description;
    this.iconPath = icon;
    this.tooltip = tooltip;
    this.contextValue = 'planNote';
  }
}

export type PlanNode = PlanGroupItem | PlanResourceItem | PlanNoteItem;

/** The rows under a run: groups by action with the plan's whole counts, drift, problems, checks, and what was left out. */
export function planNodes(runId: string, plan: Protocol.StructuredPlan, policy?: Protocol.RunPolicy | null): PlanNode[] {
  const nodes: PlanNode[] = [];
  const findingsOf = new Map<string, Protocol.PolicyFinding[]>();
  for (const finding of policy?.findings ?? []) if (finding.address) findingsOf.set(finding.address, [...(findingsOf.get(finding.address) ?? []), finding]);
  if (policy && policy.verdict !== 'pass') nodes.push(policyGroup(runId, policy));
  const byAction = new Map<Action, Protocol.PlanResourceRow[]>();
  for (const row of plan.resources) {
    const list = byAction.get(row.action) ?? [];
    list.push(row);
    byAction.set(row.action, list);
  }
  for (const action of GROUP_ORDER) {
    const rows = byAction.get(action) ?? [];
    const count = Math.max(countOf(plan.counts, action) ?? 0, rows.length);
    if (count === 0) continue;
    const children: PlanNode[] = rows.map((row) => new PlanResourceItem(runId, row, false, findingsOf.get(row.address)));
    if (rows.length < count) children.push(leftOut(runId, action, count - rows.length));
    // What cannot be undone is open at once; the rest is a click away.
    nodes.push(new PlanGroupItem(runId, action, actionWords(action, count), children, actionIcon(action), action === 'delete' || action === 'replace'));
  }
  if (plan.drift.length > 0 || plan.counts.drift > 0) {
    const count = Math.max(plan.counts.drift, plan.drift.length);
    const children: PlanNode[] = plan.drift.map((row) => new PlanResourceItem(runId, { address: row.address, module: '', type: '', name: '', action: row.action, importing: false }, true));
    if (plan.drift.length < count) children.push(leftOut(runId, 'drift', count - plan.drift.length));
    nodes.push(
      new PlanGroupItem(runId, 'drift', count === 1 ? vscode.l10n.t('Drift: 1 resource changed outside the tool') : vscode.l10n.t('Drift: {0} resources changed outside the tool', count), children, new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')), false),
    );
  }
  const failedChecks = plan.checks.filter((check) => check.status === 'fail' || check.status === 'error');
  if (failedChecks.length > 0) {
    const children = failedChecks.map(
      (check) => new PlanNoteItem(`plan:${runId}:check:${check.address}`, check.address, check.problems[0], new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')), check.problems.join('\n')),
    );
    nodes.push(new PlanGroupItem(runId, 'checks', vscode.l10n.t('Checks failed ({0})', failedChecks.length), children, new vscode.ThemeIcon('checklist'), true));
  }
  if (plan.diagnostics.length > 0) {
    const children = plan.diagnostics.map(
      (diagnostic, index) =>
        new PlanNoteItem(
          `plan:${runId}:diagnostic:${index}`,
          diagnostic.summary,
          diagnostic.file ? `${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}` : ''}` : undefined,
          diagnostic.severity === 'error' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')) : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
          diagnostic.detail,
        ),
    );
    nodes.push(new PlanGroupItem(runId, 'diagnostics', vscode.l10n.t('Problems ({0})', plan.diagnostics.length), children, new vscode.ThemeIcon('report'), plan.counts.errored));
  }
  if (nodes.length === 0) nodes.push(new PlanNoteItem(`plan:${runId}:none`, vscode.l10n.t('No changes.'), undefined, new vscode.ThemeIcon('pass')));
  return nodes;
}

/** The policies' verdict over the plan: each finding, and the acknowledgement of a deny (who, when, why). */
function policyGroup(runId: string, policy: Protocol.RunPolicy): PlanGroupItem {
  const denied = policy.verdict === 'deny';
  const children: PlanNode[] = policy.findings.map(
    (finding, index) =>
      new PlanNoteItem(
        `plan:${runId}:policy:${index}`,
        finding.message,
        `${finding.effect} · ${finding.rule}`,
        new vscode.ThemeIcon(finding.effect === 'deny' ? 'error' : 'warning', new vscode.ThemeColor(finding.effect === 'deny' ? 'problemsErrorIcon.foreground' : 'problemsWarningIcon.foreground')),
        finding.address,
      ),
  );
  if (policy.acknowledged) {
    const { by, at, reason } = policy.acknowledged;
    children.push(new PlanNoteItem(`plan:${runId}:policy:acknowledged`, vscode.l10n.t('Acknowledged by {0}', by), reason, new vscode.ThemeIcon('pass'), `${at}\n${reason}`));
  }
  const label = denied
    ? policy.acknowledged
      ? vscode.l10n.t('Policy: denied, acknowledged ({0})', policy.findings.length)
      : vscode.l10n.t('Policy: denied ({0}); an admin must acknowledge it', policy.findings.length)
    : vscode.l10n.t('Policy: warnings ({0})', policy.findings.length);
  return new PlanGroupItem(runId, 'policy', label, children, new vscode.ThemeIcon('shield'), denied);
}

function leftOut(runId: string, key: string, count: number): PlanNoteItem {
  return new PlanNoteItem(
    `plan:${runId}:leftOut:${key}`,
    count === 1 ? vscode.l10n.t('and 1 more, not listed') : vscode.l10n.t('and {0} more, not listed', count),
    undefined,
    new vscode.ThemeIcon('ellipsis'),
    vscode.l10n.t('The plan is too long to list whole; its counts are whole. The run log has every line.'),
  );
}
