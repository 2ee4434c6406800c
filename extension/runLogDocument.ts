// A run's log as a read-only document (`stackhook-run:/<run id>.log`). While the run is live the
// document follows it: the log is read again from where it stopped until the server says it is complete.
import * as vscode from 'vscode';
import * as Protocol from '../server/protocol';
import type { StackhookServer } from './serverApi';

export const RUN_LOG_SCHEME = 'stackhook-run';
/** How long a live run's document waits before reading its log again. */
export const FOLLOW_MS = 1_000;

interface Followed {
  text: string;
  offset: number;
  complete: boolean;
  timer: NodeJS.Timeout | undefined;
}

export function runLogUri(runId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_LOG_SCHEME, path: `/${runId}.log` });
}

const runIdOf = (uri: vscode.Uri) => uri.path.replace(/^\//, '').replace(/\.log$/, '');

export class RunLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly followed = new Map<string, Followed>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: StackhookServer) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme !== RUN_LOG_SCHEME) return;
      const followed = this.followed.get(runIdOf(document.uri));
      clearTimeout(followed?.timer);
      this.followed.delete(runIdOf(document.uri));
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const runId = runIdOf(uri);
    let followed = this.followed.get(runId);
    if (!followed) {
      followed = { text: '', offset: 0, complete: false, timer: undefined };
      this.followed.set(runId, followed);
      await this.read(runId, followed);
      this.follow(uri, runId, followed);
    }
    return followed.text || (followed.complete ? vscode.l10n.t('(this run wrote no log)') : vscode.l10n.t('(waiting for the run to write its log…)'));
  }

  private async read(runId: string, followed: Followed): Promise<boolean> {
    try {
      const part = await this.server.request(Protocol.RunsLog, { runId, offset: followed.offset });
      followed.text += part.text;
      followed.offset = part.nextOffset;
      followed.complete = part.complete;
      return part.text !== '';
    } catch (error) {
      followed.text += `\n${error instanceof Error ? error.message : String(error)}\n`;
      followed.complete = true;
      return true;
    }
  }

  private follow(uri: vscode.Uri, runId: string, followed: Followed): void {
    if (followed.complete) return;
    followed.timer = setTimeout(() => {
      void this.read(runId, followed).then((grew) => {
        if (this.followed.get(runId) !== followed) return;
        if (grew || followed.complete) this.emitter.fire(uri);
        this.follow(uri, runId, followed);
      });
    }, FOLLOW_MS);
  }

  dispose(): void {
    for (const followed of this.followed.values()) clearTimeout(followed.timer);
    this.followed.clear();
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

export async function openRunLog(runId: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(runLogUri(runId));
  await vscode.languages.setTextDocumentLanguage(document, 'log');
  await vscode.window.showTextDocument(document, { preview: false });
}
