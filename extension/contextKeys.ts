// Every context key the manifest's `when` clauses read, named once.
import * as vscode from 'vscode';

export enum ContextKey {
  /** `starting` | `running` | `failed` | `stopped`: drives the error welcome views. */
  ServerState = 'stackhook.serverState',
  HasIntegrations = 'stackhook.hasIntegrations',
  HasStacks = 'stackhook.hasStacks',
  HasDetachedStacks = 'stackhook.hasDetachedStacks',
  /** The server is the demo's (its status names the simulated Bitbucket): the demo commands show. */
  Demo = 'stackhook.demo',
  /** A step of a Stackhook multi-step input is open: Tab is bound to stay in it. */
  InInput = 'stackhook.inInput',
}

export type ServerState = 'starting' | 'running' | 'failed' | 'stopped';

const values = new Map<ContextKey, unknown>();

export function setContext(key: ContextKey, value: unknown): void {
  // `setContext` is a round trip to the renderer: skip it when nothing changed.
  if (values.has(key) && values.get(key) === value) return;
  values.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}
