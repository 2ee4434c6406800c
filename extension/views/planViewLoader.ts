// Loads dist/planView.js (./planView here) the first time something needs a plan: a run expanded in
// the Stacks view, a resource's diff, plan diagnostics to publish. Activation loads only this file:
// the documents' scheme, and stand-ins that load the real provider and Problems feed on first use.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import type { StackhookServer } from '../connection/serverApi';
import type * as PlanView from './planView';

export { PLAN_SCHEME } from '../surfaces/planScheme';

let loaded: typeof PlanView | undefined;

export function planView(): typeof PlanView {
  // A require, not import(): the extension host loads extension code as CommonJS. The build makes
  // this path ./planView.js (esbuild.mjs: planViewApart).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./planView') as typeof PlanView;
  return loaded;
}

/** The `stackhook-plan:` provider registered at activation; the real one is made on the first document. */
export class PlanDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private real: PlanView.ResourceChangeDocuments | undefined;
  constructor(private readonly server: Pick<StackhookServer, 'request'>) {}
  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    this.real ??= new (planView().ResourceChangeDocuments)((runId, address) => this.server.request(protocol().RunsResourceChange, { runId, address }));
    return this.real.provideTextDocumentContent(uri);
  }
  dispose(): void {
    this.real?.dispose();
  }
}

/**
 * Feeds the stacks' last runs to the Problems panel. Nothing is loaded while no stack's last run has
 * a plan, or no folder is open; once one has, the plan view publishes (and later clears) its problems.
 */
export class PlanProblemsFeed implements vscode.Disposable {
  private real: PlanView.PlanProblems | undefined;
  constructor(private readonly server: Pick<StackhookServer, 'request'>) {}
  update(stacks: readonly Protocol.Stack[]): void {
    if (!this.real) {
      const anyPlan = stacks.some((stack) => stack.lastRun?.plan);
      if (!anyPlan || (vscode.workspace.workspaceFolders ?? []).length === 0) return;
      this.real = new (planView().PlanProblems)((runId) => this.server.request(protocol().RunsPlan, { runId }));
    }
    void this.real.update(stacks);
  }
  dispose(): void {
    this.real?.dispose();
  }
}
