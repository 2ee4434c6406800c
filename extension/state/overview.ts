// What needs attention, as the server reports it: detached stacks, the webhook health of every
// repository a stack uses, recent deliveries, and credentials that stopped working. The status
// bar, the status panel and the notifications all read this one model.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { CommitLinksCache, type CommitLinksEntry } from './commitLinksCache';
import { serverError } from '../connection/errors';
import type { StackhookServer } from '../connection/serverApi';
import type { WebhookHealthCache } from './webhookHealth';

export const RECENT_DELIVERIES = 20;

export interface WebhookRow {
  integrationId: string;
  integrationName: string;
  repository: string;
  stacks: string[];
  health: Protocol.WebhookHealth | undefined;
  /** The Pull Request Commit Links app on that repository, once the status panel asked for it. */
  commitLinks: CommitLinksEntry | undefined;
}

export interface OverviewState {
  status: Protocol.ServerStatus | undefined;
  integrations: Protocol.IntegrationSummary[];
  stacks: Protocol.Stack[];
  deliveries: Protocol.Delivery[];
  /** The repositories the server says need a hook (attached stacks use them). */
  expected: Protocol.ExpectedWebhook[];
  webhooks: WebhookRow[];
  /** The latest runs of every stack, newest first (the status panel lists them). */
  runs?: Protocol.Run[] | undefined;
}

const RECENT_RUNS = 10;

export interface CredentialProblem {
  integrationId: string;
  integrationName: string;
  message: string;
}

const EVERYTHING: readonly Protocol.ChangeTopic[] = ['integrations', 'stacks', 'deliveries', 'webhooks', 'runs'];

export class Overview implements vscode.Disposable {
  state: OverviewState = { status: undefined, integrations: [], stacks: [], deliveries: [], expected: [], webhooks: [] };
  private readonly changed = new vscode.EventEmitter<OverviewState>();
  private readonly credentialFailed = new vscode.EventEmitter<CredentialProblem>();
  readonly onDidChange = this.changed.event;
  readonly onCredentialProblem = this.credentialFailed.event;
  private running: Promise<void> | undefined;
  private queued = new Set<Protocol.ChangeTopic>();
  private readonly subscriptions: vscode.Disposable[];
  /** Checking the app costs three Bitbucket calls a repository: only once a view shows it. */
  private commitLinksWatched = false;

  constructor(
    private readonly server: StackhookServer,
    private readonly health: WebhookHealthCache,
    private readonly commitLinks = new CommitLinksCache(server),
  ) {
    this.subscriptions = [
      commitLinks.onDidChange(() => this.publish()),
      health.onDidChange((integrationId) => {
        // A clear means the server said webhooks changed: ask again for what stacks use.
        if (integrationId === undefined) void this.refresh(['webhooks']);
        else this.publish();
      }),
    ];
  }

  get detachedStacks(): Protocol.Stack[] {
    return this.state.stacks.filter((stack) => stack.state === 'detached');
  }

  /** Repositories used by a stack whose webhook the server reported as anything but ok. */
  get brokenWebhooks(): WebhookRow[] {
    return this.state.webhooks.filter((row) => row.health !== undefined && row.health.state !== 'ok');
  }

  /** Refreshes what these topics touch; calls made while one runs are merged into the next. */
  refresh(topics: readonly Protocol.ChangeTopic[] = EVERYTHING): Promise<void> {
    for (const topic of topics) this.queued.add(topic);
    if (!this.running) {
      this.running = (async () => {
        while (this.queued.size > 0) {
          const batch = [...this.queued];
          this.queued.clear();
          await this.load(batch).catch(() => undefined);
        }
      })().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async load(topics: readonly Protocol.ChangeTopic[]): Promise<void> {
    if (this.server.state !== 'running') return;
    const has = (topic: Protocol.ChangeTopic) => topics.includes(topic);
    const registry = has('integrations') || has('stacks') || has('spaces');
    const [status, integrations, stacks, deliveries, expected] = await Promise.all([
      // Drift results come as runs change: the drifted count (R29) is in the status.
      registry || has('runs') || !this.state.status ? this.server.request(protocol().Status, {}) : this.state.status,
      registry ? this.server.request(protocol().IntegrationsList, {}) : this.state.integrations,
      registry ? this.server.request(protocol().StacksList, {}) : this.state.stacks,
      has('deliveries') ? this.server.request(protocol().DeliveriesList, { limit: RECENT_DELIVERIES }) : this.state.deliveries,
      registry ? this.server.request(protocol().WebhooksExpected, {}) : this.state.expected,
    ]);
    const runs = has('runs') ? await this.server.request(protocol().RunsList, { limit: RECENT_RUNS }).catch(() => this.state.runs) : this.state.runs;
    this.state = { ...this.state, status, integrations, stacks, deliveries, expected, runs };
    this.publish();
    if (registry || has('webhooks')) await this.checkUsedWebhooks();
    if (registry) this.checkCommitLinks();
  }

  /** From now on, the repositories stacks use are checked for the Pull Request Commit Links app. */
  watchCommitLinks(): void {
    if (this.commitLinksWatched) return;
    this.commitLinksWatched = true;
    this.checkCommitLinks();
  }

  /** Not awaited: answers come through the cache's change event, and failures are said on the rows. */
  private checkCommitLinks(): void {
    if (!this.commitLinksWatched) return;
    const visible = new Set(this.state.integrations.filter((integration) => integration.detailsVisible).map((integration) => integration.id));
    for (const { integrationId, repository } of this.state.expected) {
      if (visible.has(integrationId)) void this.commitLinks.check(integrationId, repository);
    }
  }

  /** Asks for the health of used repositories not yet known; the cache's change event republishes. */
  private async checkUsedWebhooks(): Promise<void> {
    const visible = new Map(this.state.integrations.filter((integration) => integration.detailsVisible).map((integration) => [integration.id, integration]));
    const wanted = new Map<string, string[]>();
    for (const { integrationId, repository } of this.state.expected) {
      if (!visible.has(integrationId)) continue;
      if (this.health.isCurrent(integrationId, repository)) continue;
      wanted.set(integrationId, [...(wanted.get(integrationId) ?? []), repository]);
    }
    await Promise.all(
      [...wanted.entries()].map(async ([integrationId, repositories]) => {
        try {
          await this.health.check(integrationId, repositories);
        } catch (error) {
          const info = serverError(error);
          if (info.needsNewCredential) {
            this.credentialFailed.fire({ integrationId, integrationName: visible.get(integrationId)?.name ?? integrationId, message: info.message });
          }
        }
      }),
    );
  }

  private publish(): void {
    const names = new Map(this.state.integrations.map((integration) => [integration.id, integration.name]));
    const rows: WebhookRow[] = this.state.expected.map((entry) => ({
      integrationId: entry.integrationId,
      integrationName: names.get(entry.integrationId) ?? entry.integrationId,
      repository: entry.repository,
      stacks: entry.stacks.map((stack) => stack.name),
      health: this.health.get(entry.integrationId, entry.repository),
      commitLinks: this.commitLinks.get(entry.integrationId, entry.repository),
    }));
    this.state = { ...this.state, webhooks: rows.sort((a, b) => a.repository.localeCompare(b.repository)) };
    this.changed.fire(this.state);
  }

  dispose(): void {
    this.changed.dispose();
    this.credentialFailed.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
