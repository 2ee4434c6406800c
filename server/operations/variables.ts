// The variables requests of stacks and spaces: list (secret values never), set and delete. Reading
// needs read on the space, setting or deleting write, and admin for a secret variable (one that is,
// or becomes, secret). A secret value goes to the secret store (secrets/variableSecrets.ts) before
// the registry names it, and leaves it after the registry no longer does.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { canSeeSpace, requireRole, requireVisibleStack } from '../registry/access';
import type { RegistryState } from '../registry/state';
import { deleteVariable, findVariable, listVariables, reachingSpaces, requireVariableChange, setVariable, type VariableOwner } from '../registry/variables';
import { setVariableSecret } from '../secrets/variableSecrets';

/** The owner and the space whose roles decide, for a stack or a space the user can see. */
function ownerOf(state: RegistryState, user: string, params: { stackId: string } | { spaceId: string }): { owner: VariableOwner; spaceId: string; inherited: string[] } {
  if ('stackId' in params) {
    const stack = requireVisibleStack(state, user, params.stackId);
    return { owner: { scope: 'stack', id: stack.id }, spaceId: stack.spaceId, inherited: reachingSpaces(state, stack.spaceId).filter((id) => canSeeSpace(state, user, id)) };
  }
  requireRole(state, user, params.spaceId, 'read', 'Reading a space\'s variables', 'spaceId');
  // A space lists its ancestors' that reach it, not its own twice.
  return { owner: { scope: 'space', id: params.spaceId }, spaceId: params.spaceId, inherited: reachingSpaces(state, params.spaceId).slice(1).filter((id) => canSeeSpace(state, user, id)) };
}

export async function listStackOrSpaceVariables(context: ServerContext, params: { stackId: string } | { spaceId: string }): Promise<Protocol.Variable[]> {
  const state = await context.store.read();
  // Only the spaces the user can see lend their variables to the listing (a reader of a space has no role above it).
  const { owner, inherited } = ownerOf(state, context.user, params);
  return listVariables(state, owner, inherited);
}

export async function setStackOrSpaceVariable(
  context: ServerContext,
  params: ({ stackId: string } | { spaceId: string }) & { name: string; value: string; secret: boolean },
): Promise<Protocol.Variable> {
  const before = await context.store.read();
  const { owner, spaceId } = ownerOf(before, context.user, params);
  const existing = findVariable(before, owner, params.name);
  const what = `Setting ${params.secret || existing?.secret ? 'the secret variable' : 'the variable'} ${params.name}`;
  requireVariableChange(before, context.user, spaceId, params.secret || existing?.secret === true, what);
  const stored = { scope: owner.scope, ownerId: owner.id, name: params.name };
  if (params.secret) await setVariableSecret(context.credentials, stored, params.value);
  const variable = await context.store.update((draft) => {
    const now = ownerOf(draft, context.user, params);
    requireVariableChange(draft, context.user, now.spaceId, params.secret || findVariable(draft, owner, params.name)?.secret === true, what);
    return setVariable(draft, owner, params, context.now().toISOString());
  });
  // No longer secret: its old value goes from the secret store.
  if (!params.secret && existing?.secret) await setVariableSecret(context.credentials, stored, null);
  context.changed(['stacks', 'spaces']);
  return variable;
}

export async function deleteStackOrSpaceVariable(context: ServerContext, params: ({ stackId: string } | { spaceId: string }) & { name: string }): Promise<Record<string, never>> {
  const removed = await context.store.update((draft) => {
    const { owner, spaceId } = ownerOf(draft, context.user, params);
    const existing = findVariable(draft, owner, params.name);
    requireVariableChange(draft, context.user, spaceId, existing?.secret === true, `Deleting the variable ${params.name}`);
    return deleteVariable(draft, owner, params.name);
  });
  if (removed.secret) await setVariableSecret(context.credentials, removed, null);
  context.changed(['stacks', 'spaces']);
  return {};
}

export const listStackVariables = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksVariablesList>) => listStackOrSpaceVariables(context, params);
export const setStackVariable = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksVariablesSet>) => setStackOrSpaceVariable(context, params);
export const deleteStackVariable = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksVariablesDelete>) => deleteStackOrSpaceVariable(context, params);
export const listSpaceVariables = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.SpacesVariablesList>) => listStackOrSpaceVariables(context, params);
export const setSpaceVariable = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.SpacesVariablesSet>) => setStackOrSpaceVariable(context, params);
export const deleteSpaceVariable = (context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.SpacesVariablesDelete>) => deleteStackOrSpaceVariable(context, params);
