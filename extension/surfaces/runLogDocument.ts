// A run's log as a read-only document, one per run (`stackhook-run:/<stack> · <kind> run <commit>.log?<run id>`,
// so its tab is named by stack and run, and opening the run again shows the same tab). It starts with
// a header (stack, kind, commit, who triggered, and what became of the reports to Bitbucket); while the
// run is live the document follows it: the log is read again from where it stopped until it is complete.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import type { StackhookServer } from '../connection/serverApi';

export const RUN_LOG_SCHEME = 'stackhook-run';
/** How long a live run's document waits before reading its log again. */
export const FOLLOW_MS = 1_000;

interface Followed {
  header: string;
  text: string;
  offset: number;
  complete: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** The document of a run: its tab reads "prod-infra · tracked run 1a2b3c4d5e6f.log"; the run id is in the query. */
export function runLogUri(runId: string, named?: { stackName: string; kind: string; commit: string | null }): vscode.Uri {
  if (!named) return vscode.Uri.from({ scheme: RUN_LOG_SCHEME, path: `/${runId}.log` });
  const title = `${named.stackName} · ${named.kind} run ${named.commit?.slice(0, 12) ?? runId.slice(-8)}`.replace(/[/\\?#]/g, '-');
  return vscode.Uri.from({ scheme: RUN_LOG_SCHEME, path: `/${title}.log`, query: runId });
}

const runIdOf = (uri: vscode.Uri) => uri.query || uri.path.replace(/^\//, '').replace(/\.log$/, '');

/** What the reports to Bitbucket became, when one failed: said in the log, not only in a tooltip. */
export function reportLines(run: Pick<Protocol.Run, 'reports'>): string[] {
  const lines: string[] = [];
  if (run.reports.status === 'failed') lines.push(vscode.l10n.t('Build status not written to Bitbucket: {0}', run.reports.statusReason ?? ''));
  if (run.reports.comment === 'failed') lines.push(vscode.l10n.t('Pull request comment not written to Bitbucket: {0}', run.reports.commentReason ?? ''));
  return lines;
}

/** The lines above the log: which stack, which run, which commit, what started it. */
export function runHeader(run: Protocol.Run, stackName: string): string {
  const started =
    run.trigger === 'manual' ? vscode.l10n.t('started by hand') : run.trigger === 'push' ? vscode.l10n.t('started by a push') : vscode.l10n.t('started by a pull request');
  const lines = [
    vscode.l10n.t('Stack {0} · {1} run · {2}', stackName, run.kind, run.commit ? vscode.l10n.t('commit {0} on {1}', run.commit.slice(0, 12), run.branch) : run.branch),
    [started, run.pullRequestId ? vscode.l10n.t('pull request #{0}', run.pullRequestId) : '', vscode.l10n.t('queued {0}', new Date(run.createdAt).toLocaleString())].filter(Boolean).join(' · '),
    ...reportLines(run),
  ];
  return `${lines.join('\n')}\n${'─'.repeat(60)}\n`;
}

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
      followed = { header: '', text: '', offset: 0, complete: false, timer: undefined };
      this.followed.set(runId, followed);
      await this.read(runId, followed);
      this.follow(uri, runId, followed);
    }
    const body = followed.text || (followed.complete ? vscode.l10n.t('(this run wrote no log)') : vscode.l10n.t('(waiting for the run to write its log…)'));
    return followed.header + body;
  }

  /** The header, read again with the log: the reports' outcome arrives when the run ends. */
  private async readHeader(runId: string, followed: Followed): Promise<void> {
    try {
      const [run, stacks] = await Promise.all([this.server.request(protocol().RunsGet, { runId }), this.server.request(protocol().StacksList, {})]);
      followed.header = runHeader(run, stacks.find((stack) => stack.id === run.stackId)?.name ?? run.stackId);
    } catch {
      // The log is what matters; a header that cannot be read is left out.
    }
  }

  private async read(runId: string, followed: Followed): Promise<boolean> {
    try {
      const part = await this.server.request(protocol().RunsLog, { runId, offset: followed.offset });
      followed.text += part.text;
      followed.offset = part.nextOffset;
      followed.complete = part.complete;
      const header = followed.header;
      if (part.text !== '' || part.complete || header === '') await this.readHeader(runId, followed);
      return part.text !== '' || followed.header !== header;
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

export async function openRunLog(runId: string, server?: StackhookServer): Promise<void> {
  // Named by stack and run when the server can say which; the same run always opens the same tab.
  const named = server ? await nameOf(server, runId) : undefined;
  const document = await vscode.workspace.openTextDocument(runLogUri(runId, named));
  await vscode.languages.setTextDocumentLanguage(document, 'log');
  await vscode.window.showTextDocument(document, { preview: false });
}

async function nameOf(server: StackhookServer, runId: string): Promise<{ stackName: string; kind: string; commit: string | null } | undefined> {
  try {
    const [run, stacks] = await Promise.all([server.request(protocol().RunsGet, { runId }), server.request(protocol().StacksList, {})]);
    return { stackName: stacks.find((stack) => stack.id === run.stackId)?.name ?? run.stackId, kind: run.kind, commit: run.commit };
  } catch {
    return undefined;
  }
}
