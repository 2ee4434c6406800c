// The Integrations view: each integration, its details, and its repositories by workspace with
// webhook health. Details and repositories load when expanded; repositories with progress in the view.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command, VIEW } from '../commandIds';
import { showServerError } from '../connection/errors';
import type { StackhookServer } from '../connection/serverApi';
import { CommitLinksCache, commitLinksSummary, type CommitLinksEntry } from '../state/commitLinksCache';
import type { WebhookHealthCache } from '../state/webhookHealth';
import { markdownLine, webhookIcon, webhookSummary } from './presentation';

/**
 * Bitbucket allows about 1,000 requests an hour; checking every repository of a large workspace on
 * expand would spend it. Past this many, only repositories used by stacks are checked on expand,
 * and the rest on request (Check webhooks).
 */
export const HEALTH_CHECK_ON_EXPAND = 100;

export class IntegrationItem extends vscode.TreeItem {
  readonly kind = 'integration';
  constructor(
    readonly integration: Protocol.IntegrationSummary,
    spaceName: string | undefined,
    /** Stacks detached from an integration of this name that Reattach All would bring back, as the server counts them. */
    reattachable = 0,
  ) {
    super(integration.name, integration.detailsVisible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `integration:${integration.id}`;
    const where = integration.type === 'default' ? vscode.l10n.t('default') : vscode.l10n.t('space: {0}', spaceName ?? integration.spaceId);
    this.description = integration.detailsVisible ? where : `${where} · ${vscode.l10n.t('details hidden')}`;
    this.contextValue = integrationContext(integration, reattachable);
    this.iconPath = new vscode.ThemeIcon('plug');
    this.tooltip = integration.detailsVisible
      ? `${integration.name} (${integration.id})`
      : vscode.l10n.t('Only admins of its space can see the details of {0}.', integration.name);
    // A refused credential stays on the row (with Replace Token beside it) until a check succeeds.
    const refused = integration.credentialRefused;
    if (refused) {
      this.description = `${vscode.l10n.t('token refused')} · ${this.description}`;
      this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      this.tooltip = vscode.l10n.t('Bitbucket refused the API token of {0} ({1}): {2} Replace the token, or run Test Connection once it is fixed.', integration.name, new Date(refused.at).toLocaleString(), refused.reason);
    }
  }
  get integrationId(): string {
    return this.integration.id;
  }
}

/** Reattach All is offered (its menu's `when`) only where the server says stacks are detached from this name. */
function integrationContext(integration: Protocol.IntegrationSummary, reattachable: number): string {
  if (!integration.detailsVisible) return 'integration.hidden';
  const base = reattachable > 0 ? 'integration.reattachable' : 'integration';
  return integration.credentialRefused ? `${base}.refused` : base;
}

export class DetailItem extends vscode.TreeItem {
  readonly kind = 'detail';
  constructor(
    readonly integrationId: string,
    field: 'webhookUrl' | 'username' | 'labels' | 'webhookSecret' | 'description',
    label: string,
    description: string,
  ) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = `integration:${integrationId}:${field}`;
    this.description = description;
    this.contextValue = field;
  }
}

export class RepositoriesItem extends vscode.TreeItem {
  readonly kind = 'repositories';
  constructor(readonly integrationId: string) {
    super(vscode.l10n.t('Repositories'), vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `integration:${integrationId}:repositories`;
    this.contextValue = 'repositories';
    this.iconPath = new vscode.ThemeIcon('repo');
  }
}

export class WorkspaceItem extends vscode.TreeItem {
  readonly kind = 'workspace';
  constructor(
    readonly integrationId: string,
    readonly workspace: string,
    readonly repositories: readonly Protocol.Repository[],
  ) {
    super(workspace, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `integration:${integrationId}:ws:${workspace}`;
    this.description = repositories.length === 1 ? vscode.l10n.t('1 repository') : vscode.l10n.t('{0} repositories', repositories.length);
    this.contextValue = 'workspace';
    this.iconPath = new vscode.ThemeIcon('organization');
  }
}

export class RepositoryItem extends vscode.TreeItem {
  readonly kind = 'repository';
  constructor(
    readonly integrationId: string,
    readonly repository: Protocol.Repository,
    readonly health: Protocol.WebhookHealth | undefined,
    usedByStacks: boolean,
  ) {
    // A repository a stack uses opens onto its Pull Request Commit Links row.
    super(repository.slug, usedByStacks ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `integration:${integrationId}:repo:${repository.fullName}`;
    this.description = webhookSummary(health);
    this.iconPath = webhookIcon(health, usedByStacks);
    this.contextValue = `repository.webhook-${health?.state ?? 'unchecked'}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${escape(repository.fullName)}**${repository.isPrivate ? ` · ${vscode.l10n.t('private')}` : ''}\n\n`);
    tooltip.appendMarkdown(`${escape(webhookSummary(health))}\n`);
    for (const problem of health?.problems ?? []) tooltip.appendMarkdown(`- ${escape(problem)}\n`);
    if (usedByStacks) tooltip.appendMarkdown(`\n${escape(vscode.l10n.t('Used by a stack.'))}`);
    this.tooltip = tooltip;
  }
  get fullName(): string {
    return this.repository.fullName;
  }
}

const COMMIT_LINKS_ICON = {
  ok: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  indexing: new vscode.ThemeIcon('sync'),
  'not-installed': new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
} as const;

/** Whether Bitbucket links this repository's commits to pull requests, and how to install the app when it does not. */
export class CommitLinksItem extends vscode.TreeItem {
  readonly kind = 'commitLinks';
  constructor(
    readonly integrationId: string,
    readonly fullName: string,
    entry: CommitLinksEntry,
  ) {
    super(vscode.l10n.t('Pull Request Commit Links: {0}', commitLinksSummary(entry)), vscode.TreeItemCollapsibleState.None);
    this.id = `integration:${integrationId}:repo:${fullName}:commitLinks`;
    if ('error' in entry) {
      this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      this.tooltip = entry.error;
      this.contextValue = 'commitLinks.error';
      return;
    }
    const { status } = entry;
    this.iconPath = COMMIT_LINKS_ICON[status.state];
    this.contextValue = `commitLinks.${status.state}`;
    this.tooltip = status.message;
    if (status.state === 'not-installed' && status.commitUrl) {
      this.description = vscode.l10n.t('open a commit, then click its pull requests link');
      this.tooltip = `${status.message}\n\n${vscode.l10n.t('Click to open commit {0} of {1} in Bitbucket.', status.commit.slice(0, 12), fullName)}`;
      this.command = { command: 'vscode.open', title: vscode.l10n.t('Open a commit in Bitbucket'), arguments: [vscode.Uri.parse(status.commitUrl)] };
    }
  }
}

export class MessageItem extends vscode.TreeItem {
  readonly kind = 'message';
  constructor(id: string, message: string, icon = 'info') {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'message';
  }
}

export type IntegrationsNode = IntegrationItem | DetailItem | RepositoriesItem | WorkspaceItem | RepositoryItem | CommitLinksItem | MessageItem;

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export class IntegrationsTree implements vscode.TreeDataProvider<IntegrationsNode>, vscode.Disposable {
  readonly topics: readonly Protocol.ChangeTopic[] = ['integrations', 'stacks', 'webhooks', 'spaces'];
  private readonly emitter = new vscode.EventEmitter<IntegrationsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  private integrations: Promise<IntegrationItem[]> | undefined;
  private readonly details = new Map<string, Promise<Protocol.IntegrationDetails>>();
  private readonly repositories = new Map<string, Promise<Protocol.Repository[]>>();
  private readonly workspaceItems = new Map<string, WorkspaceItem>();
  private readonly healthAttempted = new Set<string>();
  private usedRepositories: Promise<Set<string>> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly server: StackhookServer,
    private readonly health: WebhookHealthCache,
    private readonly commitLinks = new CommitLinksCache(server),
  ) {
    this.subscriptions.push(
      health.onDidChange((integrationId) => {
        for (const item of this.workspaceItems.values()) if (integrationId === undefined || item.integrationId === integrationId) this.emitter.fire(item);
      }),
    );
  }

  /** Drops what a change made stale and redraws only that. */
  refresh(topics: readonly Protocol.ChangeTopic[] = this.topics): void {
    if (topics.includes('integrations') || topics.includes('spaces')) {
      this.integrations = undefined;
      this.details.clear();
      this.repositories.clear();
      this.workspaceItems.clear();
      this.healthAttempted.clear();
      this.usedRepositories = undefined;
      this.emitter.fire(undefined);
      return;
    }
    if (topics.includes('stacks')) {
      this.usedRepositories = undefined;
      this.details.clear();
      void this.recountReattachable();
      // Which repositories stacks use changed: their rows (icon, Pull Request Commit Links row) are drawn again.
      for (const item of this.workspaceItems.values()) this.emitter.fire(item);
    }
    if (topics.includes('webhooks')) {
      // Repairing one repository must not turn every other row into "not checked": rows keep what
      // they showed and are checked again.
      this.healthAttempted.clear();
      this.health.invalidate();
    }
  }

  getTreeItem(node: IntegrationsNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: IntegrationsNode): Promise<IntegrationsNode[]> {
    if (this.server.state !== 'running') return [];
    try {
      if (!node) return await this.roots();
      switch (node.kind) {
        case 'integration':
          return await this.detailsOf(node.integration.id);
        case 'repositories':
          return await this.workspacesOf(node.integrationId);
        case 'workspace':
          return await this.repositoriesOf(node);
        case 'repository':
          return [new CommitLinksItem(node.integrationId, node.fullName, await this.commitLinks.check(node.integrationId, node.fullName))];
        default:
          return [];
      }
    } catch (error) {
      void showServerError(error, { integrationId: node && 'integrationId' in node ? (node.integrationId as string) : undefined });
      return node ? [new MessageItem(`${node.id}:error`, vscode.l10n.t('Could not load: see the message'), 'error')] : [];
    }
  }

  private roots(): Promise<IntegrationItem[]> {
    this.integrations ??= (async () => {
      const [integrations, spaces] = await Promise.all([
        this.server.request(protocol().IntegrationsList, {}),
        this.server.request(protocol().SpacesList, {}),
      ]);
      const names = new Map(spaces.map((space) => [space.id, space.name]));
      const reattachable = await Promise.all(integrations.map((integration) => this.reattachableCount(integration)));
      return integrations.map((integration, index) => new IntegrationItem(integration, names.get(integration.spaceId), reattachable[index]));
    })();
    const pending = this.integrations;
    pending.catch(() => {
      if (this.integrations === pending) this.integrations = undefined;
    });
    return pending;
  }

  private loadDetails(id: string): Promise<Protocol.IntegrationDetails> {
    let pending = this.details.get(id);
    if (!pending) {
      pending = this.server.request(protocol().IntegrationsGet, { id });
      this.details.set(id, pending);
      pending.catch(() => this.details.delete(id));
    }
    return pending;
  }

  /** From the details the item shows when expanded; a failure is said there, so here it only means "none". */
  private async reattachableCount(integration: Protocol.IntegrationSummary): Promise<number> {
    if (!integration.detailsVisible) return 0;
    try {
      return (await this.loadDetails(integration.id)).reattachableStackIds.length;
    } catch {
      return 0;
    }
  }

  /** Stacks were detached or reattached: only the integration items whose menu changes are redrawn. */
  private async recountReattachable(): Promise<void> {
    const items = this.integrations ? await this.integrations.catch(() => []) : [];
    for (const item of items) {
      const context = integrationContext(item.integration, await this.reattachableCount(item.integration));
      if (item.contextValue === context) continue;
      item.contextValue = context;
      this.emitter.fire(item);
    }
  }

  private async detailsOf(id: string): Promise<IntegrationsNode[]> {
    const details = await this.loadDetails(id);
    const userLabel = details.credentialType === 'api_token' ? vscode.l10n.t('Email') : vscode.l10n.t('Username');
    const url = new DetailItem(id, 'webhookUrl', vscode.l10n.t('Webhook URL'), details.webhookUrl);
    url.tooltip = vscode.l10n.t('Click to copy {0}', details.webhookUrl);
    url.iconPath = new vscode.ThemeIcon('link');
    if (details.webhookUrlProblem) {
      // Bitbucket cannot reach it: say so on the row itself, not only when it is copied.
      url.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      url.tooltip = `${details.webhookUrlProblem}\n\n${vscode.l10n.t('Click to copy {0}', details.webhookUrl)}`;
    }
    url.command = { command: Command.CopyWebhookUrl, title: vscode.l10n.t('Copy webhook URL'), arguments: [id] };
    const user = new DetailItem(id, 'username', userLabel, details.username);
    user.iconPath = new vscode.ThemeIcon('account');
    const labels = new DetailItem(id, 'labels', vscode.l10n.t('Labels'), details.labels.length ? details.labels.join(', ') : vscode.l10n.t('none'));
    labels.iconPath = new vscode.ThemeIcon('tag');
    const secret = new DetailItem(id, 'webhookSecret', vscode.l10n.t('Webhook secret'), details.webhookSecretSet ? vscode.l10n.t('set') : vscode.l10n.t('not set'));
    secret.iconPath = new vscode.ThemeIcon('key');
    const items: IntegrationsNode[] = [url, user, labels, secret];
    if (details.description.trim()) {
      const description = new DetailItem(id, 'description', vscode.l10n.t('Description'), markdownLine(details.description));
      description.tooltip = new vscode.MarkdownString(details.description);
      description.iconPath = new vscode.ThemeIcon('note');
      items.push(description);
    }
    items.push(new RepositoriesItem(id));
    return items;
  }

  /** The integration's repositories, loaded once per refresh with progress shown in the view. */
  loadRepositories(integrationId: string): Promise<Protocol.Repository[]> {
    let pending = this.repositories.get(integrationId);
    if (!pending) {
      pending = Promise.resolve(
        vscode.window.withProgress({ location: { viewId: VIEW.integrations } }, (_progress, token) =>
          this.server.request(protocol().RepositoriesList, { integrationId }, { token }),
        ),
      );
      this.repositories.set(integrationId, pending);
      pending.catch(() => this.repositories.delete(integrationId));
    }
    return pending;
  }

  private async workspacesOf(integrationId: string): Promise<IntegrationsNode[]> {
    const repositories = await this.loadRepositories(integrationId);
    if (repositories.length === 0) return [new MessageItem(`integration:${integrationId}:no-repositories`, vscode.l10n.t('No repositories visible to this credential'))];
    const byWorkspace = new Map<string, Protocol.Repository[]>();
    for (const repository of repositories) {
      const list = byWorkspace.get(repository.workspace) ?? [];
      list.push(repository);
      byWorkspace.set(repository.workspace, list);
    }
    return [...byWorkspace.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([workspace, list]) => {
        const item = new WorkspaceItem(integrationId, workspace, list.sort((a, b) => a.slug.localeCompare(b.slug)));
        this.workspaceItems.set(item.id as string, item);
        return item;
      });
  }

  private async usedByStacks(): Promise<Set<string>> {
    // The server says which repositories need a hook; the tree only marks them.
    this.usedRepositories ??= this.server
      .request(protocol().WebhooksExpected, {})
      .then((expected) => new Set(expected.map((entry) => `${entry.integrationId}\n${entry.repository}`)));
    const pending = this.usedRepositories;
    pending.catch(() => {
      if (this.usedRepositories === pending) this.usedRepositories = undefined;
    });
    return pending;
  }

  private async repositoriesOf(node: WorkspaceItem): Promise<IntegrationsNode[]> {
    const used = await this.usedByStacks();
    const isUsed = (repository: Protocol.Repository) => used.has(`${node.integrationId}\n${repository.fullName}`);
    this.checkInBackground(node, isUsed);
    return node.repositories.map((repository) =>
      new RepositoryItem(node.integrationId, repository, this.health.get(node.integrationId, repository.fullName), isUsed(repository)),
    );
  }

  /** Asks for health without holding up the list: items redraw when the answer comes. */
  private checkInBackground(node: WorkspaceItem, isUsed: (repository: Protocol.Repository) => boolean): void {
    const wanted = node.repositories.length <= HEALTH_CHECK_ON_EXPAND ? node.repositories : node.repositories.filter(isUsed);
    const missing = wanted
      .map((repository) => repository.fullName)
      .filter((fullName) => !this.healthAttempted.has(`${node.integrationId}\n${fullName}`) && !this.health.isCurrent(node.integrationId, fullName));
    if (missing.length === 0) return;
    for (const fullName of missing) this.healthAttempted.add(`${node.integrationId}\n${fullName}`);
    void vscode.window.withProgress({ location: { viewId: VIEW.integrations } }, (_progress, token) =>
      this.health.check(node.integrationId, missing, token).catch((error: unknown) => showServerError(error, { integrationId: node.integrationId })),
    );
  }

  dispose(): void {
    this.emitter.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
