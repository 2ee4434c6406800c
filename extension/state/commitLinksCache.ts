// The Pull Request Commit Links app's state on the repositories stacks use, as the server last
// reported it. The Integrations tree and the status panel read this one cache, so a repository is
// checked once (three Bitbucket calls) and not again per view or redraw.
import * as vscode from 'vscode';
import { protocol } from '../connection/protocol';
import { serverError } from '../connection/errors';
import type { StackhookServer } from '../connection/serverApi';
import { repositoryKey } from './webhookHealth';

export type CommitLinksStatus = Awaited<ReturnType<typeof askServer>>;
/** The server's answer, or why it could not answer (said on the row, not in a dialog). */
export type CommitLinksEntry = { status: CommitLinksStatus } | { error: string };

function askServer(server: StackhookServer, integrationId: string, repository: string) {
  return server.request(protocol().RepositoriesCommitLinksStatus, { integrationId, repository });
}

export class CommitLinksCache implements vscode.Disposable {
  private readonly entries = new Map<string, CommitLinksEntry>();
  private readonly pending = new Map<string, Promise<CommitLinksEntry>>();
  /** Bumped by clear, so an answer asked for before it is not kept after it. */
  private generation = 0;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly server: StackhookServer) {}

  get(integrationId: string, repository: string): CommitLinksEntry | undefined {
    return this.entries.get(repositoryKey(integrationId, repository));
  }

  /** Asks the server unless the answer is known or already asked for. */
  check(integrationId: string, repository: string): Promise<CommitLinksEntry> {
    const id = repositoryKey(integrationId, repository);
    const known = this.entries.get(id);
    if (known) return Promise.resolve(known);
    let asked = this.pending.get(id);
    if (!asked) {
      const generation = this.generation;
      asked = askServer(this.server, integrationId, repository).then(
        (status): CommitLinksEntry => ({ status }),
        (error: unknown): CommitLinksEntry => ({ error: serverError(error).message }),
      );
      this.pending.set(id, asked);
      void asked.then((entry) => {
        if (generation !== this.generation) return;
        this.pending.delete(id);
        this.entries.set(id, entry);
        this.emitter.fire();
      });
    }
    return asked;
  }

  /** Installing the app happens in Bitbucket, where Stackhook cannot see it: Refresh asks again. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.pending.clear();
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** The state in words, for a row's label or badge. */
export function commitLinksSummary(entry: CommitLinksEntry | undefined): string {
  if (!entry) return vscode.l10n.t('not checked');
  if ('error' in entry) return vscode.l10n.t('could not be checked');
  switch (entry.status.state) {
    case 'ok':
      return vscode.l10n.t('installed');
    case 'indexing':
      return vscode.l10n.t('indexing');
    case 'not-installed':
      return vscode.l10n.t('not installed');
  }
}
