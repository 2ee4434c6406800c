// The plan's diagnostics in the Problems panel: for each stack whose last run has a plan, the
// diagnostics with a file and a line, at that file in the workspace folders that are checkouts of
// the stack's repository (state/repositoryFolders.ts says which). A stack's problems are replaced
// when its last run changes and cleared when it has no run with a plan, or is gone. Part of
// dist/onDemand.js.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { fileIn, foldersOf } from '../state/repositoryFolders';

type Published = Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>;

export class PlanProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('stackhook-plan');
  /** Per stack: the run its problems come from, and its diagnostics by file. */
  private readonly byStack = new Map<string, { runId: string; files: Published }>();
  private latest = 0;

  /** `planOf` asks the server for a run's structured plan (`runs/plan`). */
  constructor(private readonly planOf: (runId: string) => Promise<Protocol.StructuredPlan>) {}

  /** Looks at the stacks' last runs; what changed since the last look is published again. */
  async update(stacks: readonly Protocol.Stack[]): Promise<void> {
    const ticket = ++this.latest;
    const listed = new Set(stacks.map((stack) => stack.id));
    for (const stackId of [...this.byStack.keys()]) if (!listed.has(stackId)) this.byStack.delete(stackId);
    for (const stack of stacks) {
      const run = stack.lastRun;
      if (!run?.plan) {
        this.byStack.delete(stack.id);
        continue;
      }
      if (this.byStack.get(stack.id)?.runId === run.id) continue;
      const files = await this.problemsOf(stack, run.id);
      // A later look began while this one waited: it publishes, with fresher runs.
      if (ticket !== this.latest) return;
      this.byStack.set(stack.id, { runId: run.id, files });
    }
    this.publish();
  }

  private async problemsOf(stack: Protocol.Stack, runId: string): Promise<Published> {
    const files: Published = new Map();
    const folders = await foldersOf(stack.repository);
    if (folders.length === 0) return files;
    let plan: Protocol.StructuredPlan;
    try {
      plan = await this.planOf(runId);
    } catch {
      return files; // The run may be gone already; the next look tries the stack's next run.
    }
    for (const diagnostic of plan.diagnostics) {
      if (!diagnostic.file || !diagnostic.line) continue;
      for (const folder of folders) {
        const uri = await fileIn(folder, stack.projectRoot, diagnostic.file);
        if (!uri) continue;
        const line = diagnostic.line - 1;
        const shown = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          diagnostic.detail ? `${diagnostic.summary}\n\n${diagnostic.detail}` : diagnostic.summary,
          diagnostic.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        shown.source = vscode.l10n.t('Stackhook plan of {0}', stack.name);
        shown.code = runId;
        const entry = files.get(uri.toString()) ?? { uri, list: [] };
        entry.list.push(shown);
        files.set(uri.toString(), entry);
      }
    }
    return files;
  }

  private publish(): void {
    const merged: Published = new Map();
    for (const { files } of this.byStack.values()) {
      for (const [key, { uri, list }] of files) merged.set(key, { uri, list: [...(merged.get(key)?.list ?? []), ...list] });
    }
    this.collection.clear();
    for (const { uri, list } of merged.values()) this.collection.set(uri, list);
  }

  dispose(): void {
    this.collection.dispose();
    this.byStack.clear();
  }
}
