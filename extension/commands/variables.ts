// Variable commands: Add, Edit and Delete a variable of a stack or of a space. Add and Edit are one
// multi-step input (name, plain or secret, value); a secret's value is typed in a password input and
// never read back (the server never sends it). A refusal that names a field reopens its step; any
// other (no access to the space, a name the server reserves) is shown as the server words it.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { isCancellation, serverError, showServerError } from '../connection/errors';
import type { VariableOwner } from '../views/variableItems';
import type { CommandContext } from './context';
import { outcomeOf, runSteps, type FlowStep } from './quickInput';
import { showingErrors } from './request';
import { stackArg } from './pick';

interface VariableDraft {
  name: string;
  secret: boolean;
  value: string;
  /** Edit keeps the name; Add asks for it. A secret is never read back, so Edit asks its value again. */
  editing: boolean;
}

type StepName = 'name' | 'secret' | 'value';

/** The owner a command was run on: a Variables node, a variable, a stack or a space item, or ids. */
export function ownerOf(arg: unknown): VariableOwner | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  if ('owner' in arg && typeof arg.owner === 'object' && arg.owner !== null) return arg.owner as VariableOwner;
  if ('stackId' in arg && typeof arg.stackId === 'string') return { stackId: arg.stackId };
  if ('spaceId' in arg && typeof arg.spaceId === 'string') return { spaceId: arg.spaceId };
  return undefined;
}

async function ownerArg(ctx: CommandContext, arg: unknown): Promise<VariableOwner | undefined> {
  const given = ownerOf(arg);
  if (given) return given;
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Add a variable to which stack?'));
  return stackId ? { stackId } : undefined;
}

const ownerName = (owner: VariableOwner) => (owner.stackId !== undefined ? vscode.l10n.t('stack "{0}"', owner.stackId) : vscode.l10n.t('space "{0}"', owner.spaceId));

function steps(ctx: CommandContext): FlowStep<VariableDraft, StepName>[] {
  return [
    {
      name: 'name',
      applies: (draft) => !draft.editing,
      run: async (draft, at) =>
        outcomeOf(
          await ctx.prompter.input({
            ...at,
            value: draft.name,
            prompt: vscode.l10n.t('Name of the environment variable the runs receive'),
            placeholder: 'TF_VAR_region',
            validate: (value) => {
              const checked = protocol().VariableName.safeParse(value.trim());
              return checked.success ? undefined : { severity: 'error', message: checked.error.issues[0]?.message ?? vscode.l10n.t('Not a variable name.') };
            },
          }),
          (value) => (draft.name = value.trim()),
        ),
    },
    {
      name: 'secret',
      run: async (draft, at) =>
        outcomeOf(
          await ctx.prompter.pick<boolean>({
            ...at,
            placeholder: vscode.l10n.t('Is {0} a secret?', draft.name),
            active: draft.secret,
            items: [
              { label: vscode.l10n.t('Plain'), detail: vscode.l10n.t('Its value is shown in the Stacks view.'), value: false },
              { label: vscode.l10n.t('Secret'), detail: vscode.l10n.t('Write-only: shown as "set", masked in every log, comment and status.'), value: true },
            ],
          }),
          (secret) => {
            // A value typed as plain is not carried into a secret's password input, nor back.
            if (secret !== draft.secret) draft.value = '';
            draft.secret = secret;
          },
        ),
    },
    {
      name: 'value',
      run: async (draft, at) =>
        outcomeOf(
          await ctx.prompter.input({
            ...at,
            value: draft.secret ? '' : draft.value,
            password: draft.secret,
            prompt: draft.secret ? vscode.l10n.t('Value of {0} (secret: it is never shown again)', draft.name) : vscode.l10n.t('Value of {0}', draft.name),
            validate: (value) => (draft.secret && value === '' ? { severity: 'error', message: vscode.l10n.t('Enter the secret\'s value.') } : undefined),
          }),
          (value) => (draft.value = value),
        ),
    },
  ];
}

const STEP_OF_FIELD: Readonly<Record<string, StepName>> = { name: 'name', secret: 'secret', value: 'value' };

/** Runs the flow and sets the variable; a refusal naming a field reopens its step with what was typed. */
async function setFlow(ctx: CommandContext, owner: VariableOwner, draft: VariableDraft, title: string): Promise<boolean> {
  let startAt: StepName | undefined;
  for (;;) {
    if (!(await runSteps(title, steps(ctx), draft, startAt))) return false;
    try {
      const value = { name: draft.name, value: draft.value, secret: draft.secret };
      if (owner.stackId !== undefined) await ctx.server.request(protocol().StacksVariablesSet, { stackId: owner.stackId, ...value });
      else await ctx.server.request(protocol().SpacesVariablesSet, { spaceId: owner.spaceId, ...value });
      return true;
    } catch (error) {
      if (isCancellation(error)) return false;
      const info = serverError(error);
      const step = info.field === undefined ? undefined : STEP_OF_FIELD[info.field];
      if (!step || (info.kind !== 'Invalid' && info.kind !== 'Conflict')) {
        await showServerError(error, owner.stackId !== undefined ? { stackId: owner.stackId } : {});
        return false;
      }
      const edit = vscode.l10n.t('Edit');
      if ((await vscode.window.showErrorMessage(info.message, { modal: true }, edit)) !== edit) return false;
      startAt = step;
    }
  }
}

export function add(ctx: CommandContext, arg?: unknown): Promise<boolean | undefined> {
  return showingErrors(
    () => ({}),
    async () => {
      const owner = await ownerArg(ctx, arg);
      if (!owner) return undefined;
      const done = await setFlow(ctx, owner, { name: '', secret: false, value: '', editing: false }, vscode.l10n.t('Add Variable to {0}', ownerName(owner)));
      if (done) ctx.refreshAll();
      return done;
    },
  );
}

function variableOf(arg: unknown): { owner: VariableOwner; variable: Protocol.Variable } | undefined {
  if (typeof arg !== 'object' || arg === null || !('variable' in arg) || !('owner' in arg)) return undefined;
  return arg as { owner: VariableOwner; variable: Protocol.Variable };
}

export async function edit(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const item = variableOf(arg);
  if (!item) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Choose a variable in the Stacks view to edit it.'));
    return false;
  }
  const { owner, variable } = item;
  const draft: VariableDraft = { name: variable.name, secret: variable.secret, value: variable.secret ? '' : (variable.value ?? ''), editing: true };
  const done = await setFlow(ctx, owner, draft, vscode.l10n.t('Edit {0} of {1}', variable.name, ownerName(owner)));
  if (done) ctx.refreshAll();
  return done;
}

export function remove(ctx: CommandContext, arg?: unknown): Promise<boolean | undefined> {
  const item = variableOf(arg);
  return showingErrors(
    () => (item?.owner.stackId !== undefined ? { stackId: item.owner.stackId } : {}),
    async () => {
      if (!item) return undefined;
      const { owner, variable } = item;
      const confirmed = vscode.l10n.t('Delete');
      const detail = vscode.l10n.t('Runs of {0} will no longer receive it.', ownerName(owner));
      if ((await vscode.window.showWarningMessage(vscode.l10n.t('Delete the variable {0}?', variable.name), { modal: true, detail }, confirmed)) !== confirmed) return undefined;
      if (owner.stackId !== undefined) await ctx.server.request(protocol().StacksVariablesDelete, { stackId: owner.stackId, name: variable.name });
      else await ctx.server.request(protocol().SpacesVariablesDelete, { spaceId: owner.spaceId, name: variable.name });
      ctx.refreshAll();
      return true;
    },
  );
}
