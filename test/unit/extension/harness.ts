// A CommandContext over a FakeServer, with the commands registered so executeCommand reaches them.
import '../../support/vscodeStub';
import * as vscode from 'vscode';
import { registerCommands, type CommandContext } from '../../../extension/commands';
import type { Prompter } from '../../../extension/quickInput';
import { WebhookHealthCache } from '../../../extension/webhookHealth';
import { createLog } from '../../../extension/log';
import type { FakeServer } from './fakeServer';

export function commandContext(server: FakeServer, prompter?: Prompter): CommandContext & { panelShown: number; refreshed: number } {
  const ctx = {
    server,
    health: new WebhookHealthCache(server),
    prompter: prompter ?? { input: async () => undefined, pick: async () => undefined },
    output: createLog(),
    panelShown: 0,
    refreshed: 0,
    refreshAll() {
      ctx.refreshed++;
    },
    showStatusPanel() {
      ctx.panelShown++;
    },
  };
  registerCommands(ctx);
  return ctx;
}

/** Answers showQuickPick with the item whose label matches, or picks by a function. */
export function answerQuickPick(...choices: ((items: any[]) => unknown)[]): void {
  (vscode.window as any).showQuickPick = async (items: any) => {
    const choose = choices.shift();
    return choose ? choose(await items) : undefined;
  };
}

export function answerInputBox(...values: (string | undefined)[]): { options: any[] } {
  const seen: any[] = [];
  (vscode.window as any).showInputBox = async (options: any) => {
    seen.push(options);
    return values.shift();
  };
  return { options: seen };
}

export const byLabel = (label: string) => (items: any[]) => items.find((item) => item.label === label);
