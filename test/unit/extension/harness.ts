// A CommandContext over a FakeServer, with the commands registered so executeCommand reaches them.
import '../../support/vscodeStub';
import * as vscode from 'vscode';
import { registerCommands, type CommandContext } from '../../../extension/commands';
import type { Prompter } from '../../../extension/commands/quickInput';
import { WebhookHealthCache } from '../../../extension/state/webhookHealth';
import { createLog } from '../../../extension/surfaces/log';
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

export interface ShownStep {
  kind: 'input' | 'pick';
  title: string;
  step: number;
  totalSteps: number;
  value?: string | undefined;
  prompt?: string | undefined;
  password?: boolean | undefined;
  placeholder?: string | undefined;
  active?: unknown;
  items?: { label: string; description?: string | undefined; value: unknown }[];
}

/**
 * A prompter that answers each step from a script, in order, and records what each step showed. An
 * answer may be a function of the step (to pick by what is offered); validation runs on typed
 * answers, and a script that types something invalid fails the test.
 */
export function scriptedPrompter(script: unknown[]): { prompter: Prompter; shown: ShownStep[]; validations: string[] } {
  const shown: ShownStep[] = [];
  const validations: string[] = [];
  const answer = (step: ShownStep) => {
    shown.push(step);
    if (script.length === 0) return undefined;
    const next = script.shift();
    return typeof next === 'function' ? (next as (s: ShownStep) => unknown)(step) : next;
  };
  const prompter: Prompter = {
    async input(step) {
      const value = answer({ kind: 'input', title: step.title, step: step.step, totalSteps: step.totalSteps, value: step.value, prompt: step.prompt, ...(step.password ? { password: true } : {}) });
      if (typeof value === 'string' && step.validate) {
        const validation = await step.validate(value);
        if (validation) validations.push(`${validation.severity}: ${validation.message}`);
        if (validation?.severity === 'error') throw new Error(`the script typed "${value}", which is refused: ${validation.message}`);
      }
      return value as string | undefined;
    },
    async pick(step) {
      const items = step.items.map((item) => ({ label: item.label, description: item.description, value: item.value }));
      return answer({ kind: 'pick', title: step.title, step: step.step, totalSteps: step.totalSteps, placeholder: step.placeholder, active: step.active, items }) as never;
    },
  };
  return { prompter, shown, validations };
}
