// Loads dist/onDemand.js (./onDemand here) the first time something needs it: a run's plan expanded,
// a resource's diff, plan diagnostics to publish, Confirm's question, the runner's steps, a variable
// command. Activation loads only this file, with stand-ins for what it registers at once (the
// `stackhook-plan:` documents' provider and the Problems feed) that load the real ones on first use.
import * as vscode from 'vscode';
import type * as Protocol from '../server/protocol';
import { protocol } from './connection/protocol';
import type { StackhookServer } from './connection/serverApi';
import type * as OnDemand from './onDemand';

export { PLAN_SCHEME } from './surfaces/planScheme';

let loaded: typeof OnDemand | undefined;

export function onDemand(): typeof OnDemand {
  // A require, not import(): the extension host loads extension code as CommonJS. The build makes
  // this path ./onDemand.js (esbuild.mjs: onDemandApart).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./onDemand') as typeof OnDemand;
  return loaded;
}

/** The `stackhook-plan:` provider registered at activation; the real one is made on the first document. */
export class PlanDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private real: OnDemand.ResourceChangeDocuments | undefined;
  constructor(private readonly server: Pick<StackhookServer, 'request'>) {}
  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    this.real ??= new (onDemand().ResourceChangeDocuments)((runId, address) => this.server.request(protocol().RunsResourceChange, { runId, address }));
    return this.real.provideTextDocumentContent(uri);
  }
  dispose(): void {
    this.real?.dispose();
  }
}

/**
 * Feeds the stacks' last runs to the Problems panel. Nothing is loaded while no stack's last run has
 * a plan, or no folder is open; once one has, the real feed publishes (and later clears) its problems.
 */
export class PlanProblemsFeed implements vscode.Disposable {
  private real: OnDemand.PlanProblems | undefined;
  constructor(private readonly server: Pick<StackhookServer, 'request'>) {}
  update(stacks: readonly Protocol.Stack[]): void {
    if (!this.real) {
      const anyPlan = stacks.some((stack) => stack.lastRun?.plan);
      if (!anyPlan || (vscode.workspace.workspaceFolders ?? []).length === 0) return;
      this.real = new (onDemand().PlanProblems)((runId) => this.server.request(protocol().RunsPlan, { runId }));
    }
    void this.real.update(stacks);
  }
  dispose(): void {
    this.real?.dispose();
  }
}
