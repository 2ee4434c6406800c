// Webhook health as the server last reported it, per integration and repository. The trees, the
// status bar and the panel all read this one cache, so a check made in one place shows everywhere,
// and no view asks Bitbucket again for what another view just learned.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import type { StackhookServer } from '../connection/serverApi';

/** One map key for a repository of an integration. */
export const repositoryKey = (integrationId: string, repository: string) => `${integrationId}\n${repository}`;

export class WebhookHealthCache implements vscode.Disposable {
  private readonly entries = new Map<string, Protocol.WebhookHealth>();
  /** Entries a change may have made wrong: still shown (better than "not checked"), checked again soon. */
  private readonly stale = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  /** Fires with the integration whose health changed, or undefined after a clear. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly server: StackhookServer) {}

  get(integrationId: string, repository: string): Protocol.WebhookHealth | undefined {
    return this.entries.get(repositoryKey(integrationId, repository));
  }

  /** Known and not made stale by a change since: no need to ask again. */
  isCurrent(integrationId: string, repository: string): boolean {
    const id = repositoryKey(integrationId, repository);
    return this.entries.has(id) && !this.stale.has(id);
  }

  async check(integrationId: string, repositories: readonly string[], token?: vscode.CancellationToken): Promise<Protocol.WebhookHealth[]> {
    const unique = [...new Set(repositories)];
    const results: Protocol.WebhookHealth[] = [];
    for (let start = 0; start < unique.length; start += protocol().MAX_REPOSITORIES_PER_REQUEST) {
      const batch = unique.slice(start, start + protocol().MAX_REPOSITORIES_PER_REQUEST);
      const health = await this.server.request(protocol().WebhooksStatus, { integrationId, repositories: batch }, { token });
      for (const entry of health) {
        this.entries.set(repositoryKey(integrationId, entry.repository), entry);
        this.stale.delete(repositoryKey(integrationId, entry.repository));
      }
      results.push(...health);
    }
    if (unique.length > 0) this.emitter.fire(integrationId);
    return results;
  }

  clear(): void {
    this.entries.clear();
    this.stale.clear();
    this.emitter.fire(undefined);
  }

  /** After webhooks changed somewhere: every entry is to be checked again, and shown until it is. */
  invalidate(): void {
    for (const entry of this.entries.keys()) this.stale.add(entry);
    this.emitter.fire(undefined);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
