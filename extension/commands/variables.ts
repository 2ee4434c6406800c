// Variable commands: Add, Edit and Delete a variable of a stack or of a space. Add and Edit are one
// multi-step input (name, plain or secret, value); a secret's value is typed in a password input and
// never read back (the server never sends it). A refusal that names a field reopens its step; any
// other (no access to the space, a name the server reserves) is shown as the server words it.
// Part of dist/onDemand.js: what they need of the connection comes in `Host`, from activation's bundle.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import type * as Errors from '../connection/errors';
import type { VariableOwner } from '../views/variableItems';
import type { CommandContext } from './context';
import type * as Pick from './pick';
import { outcomeOf, runSteps, type FlowStep } from './quickInput';
import type * as Request from './request';

/** What the variable commands are handed: the command context, the loaded protocol, and the one way errors are shown. */
export interface Host {
  ctx: CommandContext;
  protocol: typeof Protocol;
  showingErrors: typeof Request.showingErrors;
  serverError: typeof Errors.serverError;
  showServerError: typeof Errors.showServerError;
  isCancellation: typeof Errors.isCancellation;
  stackArg: typeof Pick.stackArg;
}

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

async function ownerArg({ ctx, stackArg }: Host, arg: unknown): Promise<VariableOwner | undefined> {
  const given = ownerOf(arg);
  if (given) return given;
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Add a variable to which stack?'));
  return stackId ? { stackId } : undefined;
}

const ownerName = (owner: VariableOwner) => (owner.stackId !== undefined ? vscode.l10n.t('stack "{0}"', owner.stackId) : vscode.l10n.t('space "{0}"', owner.spaceId));

function steps({ ctx, protocol: P }: Host): FlowStep<VariableDraft, StepName>[] {
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
              const checked = P.VariableName.safeParse(value.trim());
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
async function setFlow(host: Host, owner: VariableOwner, draft: VariableDraft, title: string): Promise<boolean> {
  const { ctx, protocol: P, serverError, showServerError, isCancellation } = host;
  let startAt: StepName | undefined;
  for (;;) {
    if (!(await runSteps(title, steps(host), draft, startAt))) return false;
    try {
      const value = { name: draft.name, value: draft.value, secret: draft.secret };
      if (owner.stackId !== undefined) await ctx.server.request(P.StacksVariablesSet, { stackId: owner.stackId, ...value });
      else await ctx.server.request(P.SpacesVariablesSet, { spaceId: owner.spaceId, ...value });
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

export function add(host: Host, arg?: unknown): Promise<boolean | undefined> {
  return host.showingErrors(
    () => ({}),
    async () => {
      const owner = await ownerArg(host, arg);
      if (!owner) return undefined;
      // The server announces the change (stacks, spaces): the Stacks view shows it.
      return setFlow(host, owner, { name: '', secret: false, value: '', editing: false }, vscode.l10n.t('Add Variable to {0}', ownerName(owner)));
    },
  );
}

function variableOf(arg: unknown): { owner: VariableOwner; variable: Protocol.Variable } | undefined {
  if (typeof arg !== 'object' || arg === null || !('variable' in arg) || !('owner' in arg)) return undefined;
  return arg as { owner: VariableOwner; variable: Protocol.Variable };
}

export async function edit(host: Host, arg?: unknown): Promise<boolean> {
  const item = variableOf(arg);
  if (!item) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Choose a variable in the Stacks view to edit it.'));
    return false;
  }
  const { owner, variable } = item;
  const draft: VariableDraft = { name: variable.name, secret: variable.secret, value: variable.secret ? '' : (variable.value ?? ''), editing: true };
  return setFlow(host, owner, draft, vscode.l10n.t('Edit {0} of {1}', variable.name, ownerName(owner)));
}

export function remove(host: Host, arg?: unknown): Promise<boolean | undefined> {
  const { ctx, protocol: P } = host;
  const item = variableOf(arg);
  return host.showingErrors(
    () => (item?.owner.stackId !== undefined ? { stackId: item.owner.stackId } : {}),
    async () => {
      if (!item) return undefined;
      const { owner, variable } = item;
      const confirmed = vscode.l10n.t('Delete');
      const detail = vscode.l10n.t('Runs of {0} will no longer receive it.', ownerName(owner));
      if ((await vscode.window.showWarningMessage(vscode.l10n.t('Delete the variable {0}?', variable.name), { modal: true, detail }, confirmed)) !== confirmed) return undefined;
      if (owner.stackId !== undefined) await ctx.server.request(P.StacksVariablesDelete, { stackId: owner.stackId, name: variable.name });
      else await ctx.server.request(P.SpacesVariablesDelete, { spaceId: owner.spaceId, name: variable.name });
      return true;
    },
  );
}
