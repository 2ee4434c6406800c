// Multi-step input on QuickInput: every flow has a title and step x/y, Back, values kept when going
// back or after a refusal, stays open when focus moves (Tab, a panel re-rendering), takes a lone
// choice without asking, keeps its guidance visible, and validates only once something was typed.
// Validation may ask the server (so a rule stays there). Flows are written against `Prompter` so
// tests can script them.
import * as vscode from 'vscode';
import { ContextKey, setContext } from '../contextKeys';

/** Shared by name: the steps in dist/onDemand.js compare with the same symbol as the prompter here. */
export const BACK = Symbol.for('stackhook.quickInput.back');
export type Answer<T> = T | typeof BACK | undefined;

export interface Validation {
  message: string;
  severity: 'error' | 'info';
}

interface Step {
  title: string;
  step: number;
  totalSteps: number;
}

export interface InputStep extends Step {
  value?: string | undefined;
  prompt?: string | undefined;
  placeholder?: string | undefined;
  password?: boolean | undefined;
  validate?: ((value: string) => Validation | undefined | Promise<Validation | undefined>) | undefined;
}

export interface PickItem<T> {
  label: string;
  description?: string | undefined;
  detail?: string | undefined;
  value: T;
}

export interface PickStep<T> extends Step {
  placeholder?: string | undefined;
  items: readonly PickItem<T>[];
  active?: T | undefined;
}

export interface Prompter {
  input(step: InputStep): Promise<Answer<string>>;
  pick<T>(step: PickStep<T>): Promise<Answer<T>>;
}

/**
 * QuickInput shows a validation message in place of the prompt, so an info message (a preview)
 * joins the prompt instead, and the guidance ("cannot be changed later") stays in view. An error
 * replaces it until the value is fixed.
 */
export function presentValidation(
  guidance: string | undefined,
  validation: Validation | undefined,
): { prompt: string | undefined; validationMessage: vscode.InputBoxValidationMessage | undefined } {
  if (!validation) return { prompt: guidance, validationMessage: undefined };
  if (validation.severity === 'info') return { prompt: guidance ? `${guidance} · ${validation.message}` : validation.message, validationMessage: undefined };
  return { prompt: guidance, validationMessage: { message: validation.message, severity: vscode.InputBoxValidationSeverity.Error } };
}

/** The real prompter: a reused-per-step InputBox/QuickPick with the back button from step 2 on. */
export const quickInputPrompter: Prompter = {
  input(step) {
    return new Promise((resolve) => {
      const box = vscode.window.createInputBox();
      box.title = step.title;
      box.step = step.step;
      box.totalSteps = step.totalSteps;
      box.value = step.value ?? '';
      box.prompt = step.prompt;
      box.placeholder = step.placeholder;
      box.password = step.password ?? false;
      box.ignoreFocusOut = true;
      box.buttons = step.step > 1 ? [vscode.QuickInputButtons.Back] : [];
      let latest = 0;
      let settled = false;
      const finish = (answer: Answer<string>) => {
        if (settled) return;
        settled = true;
        setContext(ContextKey.InInput, false);
        resolve(answer);
        box.dispose();
      };
      const validate = async (value: string) => {
        const ticket = ++latest;
        const result = await step.validate?.(value);
        // Answers to older keystrokes arrive late: only the newest may set the message.
        if (ticket === latest && !settled) {
          const shown = presentValidation(step.prompt, result);
          box.prompt = shown.prompt;
          box.validationMessage = shown.validationMessage;
        }
        return result;
      };
      box.onDidChangeValue((value) => void validate(value));
      box.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
      box.onDidAccept(async () => {
        box.busy = true;
        const result = await validate(box.value);
        box.busy = false;
        if (result?.severity !== 'error') finish(box.value);
      });
      box.onDidHide(() => finish(undefined));
      box.show();
      setContext(ContextKey.InInput, true);
      // An empty field is not wrong before anything was typed; a kept value is checked at once.
      if (box.value !== '') void validate(box.value);
    });
  },
  pick<T>(step: PickStep<T>) {
    return new Promise<Answer<T>>((resolve) => {
      type Item = vscode.QuickPickItem & { value: T };
      const quickPick = vscode.window.createQuickPick<Item>();
      quickPick.title = step.title;
      quickPick.step = step.step;
      quickPick.totalSteps = step.totalSteps;
      quickPick.placeholder = step.placeholder;
      quickPick.ignoreFocusOut = true;
      quickPick.matchOnDescription = true;
      quickPick.buttons = step.step > 1 ? [vscode.QuickInputButtons.Back] : [];
      const items: Item[] = step.items.map((item) => ({ label: item.label, description: item.description, detail: item.detail, value: item.value }));
      quickPick.items = items;
      const active = items.find((item) => item.value === step.active);
      if (active) quickPick.activeItems = [active];
      let settled = false;
      const finish = (answer: Answer<T>) => {
        if (settled) return;
        settled = true;
        setContext(ContextKey.InInput, false);
        resolve(answer);
        quickPick.dispose();
      };
      quickPick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
      quickPick.onDidAccept(() => {
        const [selected] = quickPick.selectedItems;
        if (selected) finish(selected.value);
      });
      quickPick.onDidHide(() => finish(undefined));
      quickPick.show();
      setContext(ContextKey.InInput, true);
    });
  },
};

/** What a step of a flow answers: go on, go back, or stop (cancelled). */
export type StepOutcome = 'next' | typeof BACK | undefined;

export interface FlowStep<D, K extends string> {
  readonly name: K;
  /** Steps that do not apply (a lone choice already taken, a field the type has not) are neither shown nor counted. */
  applies?: (draft: D) => boolean;
  run: (draft: D, at: Step) => Promise<StepOutcome>;
}

/** An answer of a step, as the outcome the flow needs; `store` keeps a value in the draft. */
export function outcomeOf<T>(answer: Answer<T>, store: (value: T) => void): StepOutcome {
  if (answer === BACK) return BACK;
  if (answer === undefined) return undefined;
  store(answer as T);
  return 'next';
}

/**
 * Runs the steps from `startAt` over one draft, so values survive Back and a second pass after a
 * refusal; a `startAt` that is not a step of the flow, or does not apply to the draft, starts from
 * the first, so reopening always shows a step. Back returns to the step shown before (skipped steps
 * stay skipped); Back on the first shown step stays there. Returns false when the user cancelled.
 */
export async function runSteps<D, K extends string>(title: string, steps: readonly FlowStep<D, K>[], draft: D, startAt?: K): Promise<boolean> {
  const applies = (step: FlowStep<D, K>) => step.applies?.(draft) ?? true;
  const applying = () => steps.filter(applies);
  const shown: number[] = [];
  const previousApplying = (from: number) => {
    for (let at = from - 1; at >= 0; at--) if (applies(steps[at] as FlowStep<D, K>)) return at;
    return from;
  };
  const wanted = steps.findIndex((step) => step.name === startAt);
  let index = wanted >= 0 && applies(steps[wanted] as FlowStep<D, K>) ? wanted : 0;
  while (index < steps.length) {
    const step = steps[index] as FlowStep<D, K>;
    if (!applies(step)) {
      index++;
      continue;
    }
    const visible = applying();
    const outcome = await step.run(draft, { title, step: visible.indexOf(step) + 1, totalSteps: visible.length });
    if (outcome === undefined) return false;
    if (outcome === BACK) {
      // Started part-way (Edit after a refusal): Back still reaches the steps before.
      index = shown.pop() ?? previousApplying(index);
    } else {
      shown.push(index);
      index++;
    }
  }
  return true;
}
