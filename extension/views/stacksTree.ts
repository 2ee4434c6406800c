// The Stacks view: stacks grouped by their integration, and a Detached group for stacks whose
// integration was deleted, with the integration each was detached from. A stack expands to its
// Variables and its recent runs; a run with a plan expands to the plan's rows (dist/onDemand.js,
// loaded then); the Spaces group holds each space's Variables.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { showServerError } from '../connection/errors';
import { Command } from '../commandIds';
import type { StackhookServer } from '../connection/serverApi';
import { runContext, runIcon, runLine } from './runPresentation';
import type { PlanNode } from './planTree';
import { onDemand } from '../onDemandLoader';
import { DriftItem, driftBadge, driftResourceItems, type DriftMoreItem, type DriftResourceItem } from './driftItems';
import { SpaceItem, SpacesGroupItem, VariableItem, VariablesItem, type VariableOwner } from './variableItems';

/** Runs listed under a stack when it is expanded. */
export const RECENT_RUNS = 10;

export const DETACHED_GROUP_ID = 'stacks:detached';

export class StackGroupItem extends vscode.TreeItem {
  readonly kind = 'group';
  constructor(
    readonly groupId: string,
    label: string,
    readonly stacks: readonly Protocol.Stack[],
    readonly integrationId: string | undefined,
  ) {
    super(label, vscode.TreeItemCollapsibleState.Expanded);
    this.id = groupId;
    if (integrationId === undefined) {
      this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      this.contextValue = 'stackGroup.detached';
      this.tooltip = vscode.l10n.t('These stacks lost their integration when it was deleted. They receive no webhooks and cannot run until reattached.');
    } else {
      this.iconPath = new vscode.ThemeIcon('plug');
      this.contextValue = 'stackGroup';
      this.description = stacks.length === 1 ? vscode.l10n.t('1 stack') : vscode.l10n.t('{0} stacks', stacks.length);
    }
  }
}

export class StackItem extends vscode.TreeItem {
  readonly kind = 'stack';
  constructor(readonly stack: Protocol.Stack) {
    // Every stack has its Variables below it, runs or not.
    super(stack.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `stack:${stack.id}`;
    const where = `${stack.repository} @ ${stack.branch}${stack.projectRoot ? ` · ${stack.projectRoot}` : ''}`;
    if (stack.state === 'detached') {
      this.description = stack.detachedFrom ? `${vscode.l10n.t('was on "{0}"', stack.detachedFrom)} · ${where}` : where;
      this.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'));
      this.contextValue = 'stack.detached';
      this.tooltip = vscode.l10n.t('{0} is detached: it receives no webhooks and cannot run until it is reattached to an integration.', stack.name);
    } else {
      const runner = stack.runner.type === 'pipelines' ? vscode.l10n.t('Pipelines ({0})', stack.runner.pipeline) : vscode.l10n.t('on this machine');
      const drift = driftBadge(stack.drift);
      this.description = [drift, stack.lastRun ? runLine(stack.lastRun) : null, where].filter(Boolean).join(' · ');
      this.iconPath = stack.lastRun ? runIcon(stack.lastRun) : new vscode.ThemeIcon('layers');
      this.contextValue = 'stack.attached';
      this.tooltip = `${stack.name} · ${where} · ${runner}`;
    }
  }
  get stackId(): string {
    return this.stack.id;
  }
  get integrationId(): string | undefined {
    return this.stack.integrationId ?? undefined;
  }
}

export class RunItem extends vscode.TreeItem {
  readonly kind = 'run';
  constructor(readonly run: Protocol.Run) {
    // A run that planned with OpenTofu or Terraform expands to what its plan does.
    super(`${run.kind} · ${run.commit?.slice(0, 12) ?? run.branch}`, run.plan ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `run:${run.id}`;
    // A report Bitbucket refused is said on the row (and in the log's header), not only in the tooltip.
    const unreported = [run.reports.status === 'failed' ? vscode.l10n.t('status not written') : '', run.reports.comment === 'failed' ? vscode.l10n.t('comment not written') : ''].filter(Boolean);
    this.description = [runLine(run).split(' · ').slice(1).join(' · '), ...unreported].filter(Boolean).join(' · ');
    this.iconPath = runIcon(run);
    this.contextValue = runContext(run);
    const problems = [run.reports.statusReason && run.reports.status === 'failed' ? vscode.l10n.t('Build status not written: {0}', run.reports.statusReason) : '', run.reports.comment === 'failed' && run.reports.commentReason ? vscode.l10n.t('Pull request comment not written: {0}', run.reports.commentReason) : ''].filter(Boolean);
    this.tooltip = [`${run.id} · ${run.trigger} · ${run.branch}`, run.summary ?? '', ...problems].filter(Boolean).join('\n');
    this.command = { command: Command.OpenRunLog, title: vscode.l10n.t('Open Log'), arguments: [run.id] };
  }
  get runId(): string {
    return this.run.id;
  }
}

export type StacksNode = StackGroupItem | StackItem | RunItem | VariablesItem | VariableItem | SpacesGroupItem | SpaceItem | PlanNode | DriftItem | DriftResourceItem | DriftMoreItem;

/** Groups stacks for the view; exported for the status panel and tests. */
export function groupStacks(stacks: readonly Protocol.Stack[], integrations: readonly Protocol.IntegrationSummary[]): StackGroupItem[] {
  const names = new Map(integrations.map((integration) => [integration.id, integration.name]));
  const byIntegration = new Map<string, Protocol.Stack[]>();
  const detached: Protocol.Stack[] = [];
  for (const stack of stacks) {
    if (stack.state === 'detached' || stack.integrationId === null) {
      detached.push(stack);
      continue;
    }
    const list = byIntegration.get(stack.integrationId) ?? [];
    list.push(stack);
    byIntegration.set(stack.integrationId, list);
  }
  const byName = (a: Protocol.Stack, b: Protocol.Stack) => a.name.localeCompare(b.name);
  const groups = [...byIntegration.entries()]
    .map(([id, list]) => new StackGroupItem(`stacks:integration:${id}`, names.get(id) ?? id, list.sort(byName), id))
    .sort((a, b) => String(a.label).localeCompare(String(b.label)));
  if (detached.length > 0) {
    groups.push(new StackGroupItem(DETACHED_GROUP_ID, vscode.l10n.t('Detached ({0})', detached.length), detached.sort(byName), undefined));
  }
  return groups;
}

export class StacksTree implements vscode.TreeDataProvider<StacksNode>, vscode.Disposable {
  readonly topics: readonly Protocol.ChangeTopic[] = ['stacks', 'integrations', 'runs', 'spaces'];
  private readonly emitter = new vscode.EventEmitter<StacksNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly server: StackhookServer) {}

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: StacksNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: StacksNode): Promise<StacksNode[]> {
    switch (node?.kind) {
      case undefined:
        return this.roots();
      case 'group':
        return node.stacks.map((stack) => new StackItem(stack));
      case 'stack':
        return [...(node.stack.drift ? [new DriftItem(node.stack.id, node.stack.drift)] : []), new VariablesItem({ stackId: node.stack.id }), ...(await this.recentRuns(node.stack.id))];
      case 'drift':
        return this.driftOf(node.drift.runId);
      case 'run':
        return this.planOf(node.run);
      case 'planGroup':
        return [...node.children];
      case 'variables':
        return this.variablesOf(node.owner);
      case 'spaces':
        return this.spaces();
      case 'space':
        return [new VariablesItem({ spaceId: node.space.id })];
      default:
        return [];
    }
  }

  private async roots(): Promise<StacksNode[]> {
    if (this.server.state !== 'running') return [];
    try {
      const [stacks, integrations] = await Promise.all([
        this.server.request(protocol().StacksList, {}),
        this.server.request(protocol().IntegrationsList, {}),
      ]);
      const groups: StacksNode[] = groupStacks(stacks, integrations);
      // With no stack the welcome view speaks; the spaces' variables come with the first stack.
      return stacks.length > 0 ? [...groups, new SpacesGroupItem()] : groups;
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  private async driftOf(runId: string): Promise<StacksNode[]> {
    try {
      return driftResourceItems(runId, await this.server.request(protocol().RunsDrift, { runId }));
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  private async planOf(run: Protocol.Run): Promise<StacksNode[]> {
    try {
      return onDemand().planNodes(run.id, await this.server.request(protocol().RunsPlan, { runId: run.id }), run.policy);
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  private async variablesOf(owner: VariableOwner): Promise<StacksNode[]> {
    try {
      const variables =
        owner.stackId !== undefined
          ? await this.server.request(protocol().StacksVariablesList, { stackId: owner.stackId })
          : await this.server.request(protocol().SpacesVariablesList, { spaceId: owner.spaceId });
      return variables.map((variable) => new VariableItem(owner, variable));
    } catch (error) {
      // A refusal (no read access to the space) is shown as the server words it.
      void showServerError(error);
      return [];
    }
  }

  private async spaces(): Promise<StacksNode[]> {
    try {
      return (await this.server.request(protocol().SpacesList, {})).map((space) => new SpaceItem(space));
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  private async recentRuns(stackId: string): Promise<RunItem[]> {
    try {
      return (await this.server.request(protocol().RunsList, { stackId, limit: RECENT_RUNS })).map((run) => new RunItem(run));
    } catch (error) {
      void showServerError(error);
      return [];
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
