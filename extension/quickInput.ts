// One step of a multi-step input, on QuickInput, with a back button and validation that may ask
// the server (so a rule stays there). Flows are written against `Prompter` so tests can script them.
import * as vscode from 'vscode';

export const BACK = Symbol('back');
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

function toMessage(validation: Validation | undefined): vscode.InputBoxValidationMessage | undefined {
  if (!validation) return undefined;
  const severity = validation.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Info;
  return { message: validation.message, severity };
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
        resolve(answer);
        box.dispose();
      };
      const validate = async (value: string) => {
        const ticket = ++latest;
        const result = await step.validate?.(value);
        // Answers to older keystrokes arrive late: only the newest may set the message.
        if (ticket === latest && !settled) box.validationMessage = toMessage(result);
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
      void validate(box.value);
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
    });
  },
};
