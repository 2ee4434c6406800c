// The stack requests: list, create (R10), reattach (R12, R13), delete, and manual runs (R12).
import type { RequestScope, ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { canSeeStack, hasRole, requireListedIntegration, requireRole, requireWritableStack, visibleStacks } from '../registry/access';
import { addStack, checkNewStack, requireAttached, setStackIntegration, stacksDetachedFrom } from '../registry/stacks';
import { isUsableFrom } from '../registry/usability';
import type { RegistryState } from '../store/schema';
import { credentialOf } from './credentials';
import { newRunId } from '../runIds';
import { stackView } from './recordsForUser';

export async function listStacks(context: ServerContext) {
  const state = await context.store.read();
  return visibleStacks(state, context.user).map(stackView);
}

export async function createStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksCreate>, scope: RequestScope) {
  const before = await context.store.read();
  requireRole(before, context.user, params.spaceId, 'write', 'Creating a stack');
  requireListedIntegration(before, context.user, params.integrationId);
  const { integration } = checkNewStack(before, params);
  if (params.verify !== false) {
    // R10: the repository must be one the integration's credentials can see.
    await context.bitbucket.getRepository(await credentialOf(context, integration), params.repository, { signal: scope.signal });
  }
  const stack = await context.store.update((draft) => {
    requireRole(draft, context.user, params.spaceId, 'write', 'Creating a stack');
    requireListedIntegration(draft, context.user, params.integrationId);
    return addStack(draft, params, context.now());
  });
  context.changed(['stacks']);
  return stackView(stack);
}

export async function setIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksSetIntegration>) {
  const stack = await context.store.update((draft) => {
    requireWritableStack(draft, context.user, params.stackId, 'Changing a stack\'s integration');
    requireListedIntegration(draft, context.user, params.integrationId);
    return setStackIntegration(draft, params.stackId, params.integrationId);
  });
  context.changed(['stacks']);
  return stackView(stack);
}

/** What reattaching would do: stacks the user cannot see are neither reattached nor named. */
function reattachPlan(state: RegistryState, user: string, integrationId: string) {
  const integration = requireListedIntegration(state, user, integrationId);
  const reattach: string[] = [];
  const skipped: { stackId: string; reason: string }[] = [];
  for (const stack of stacksDetachedFrom(state, integrationId)) {
    if (!canSeeStack(state, user, stack)) continue;
    if (!hasRole(state, user, stack.spaceId, 'write')) {
      skipped.push({ stackId: stack.id, reason: `${user} has no write access on the space "${stack.spaceId}"` });
    } else if (!isUsableFrom(state, integration, stack.spaceId)) {
      skipped.push({ stackId: stack.id, reason: `"${integration.name}" is not usable from the space "${stack.spaceId}"` });
    } else {
      reattach.push(stack.id);
    }
  }
  return { integration, reattach, skipped };
}

/** R13: reattach every stack still detached from this integration id, where the rules allow. */
export async function reattachAll(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksReattachAll>) {
  const planned = reattachPlan(await context.store.read(), context.user, params.integrationId);
  // Nothing to reattach changes nothing, the registry file included.
  if (planned.reattach.length === 0) return { reattachedStackIds: [], skipped: planned.skipped };
  const result = await context.store.update((draft) => {
    const { integration, reattach, skipped } = reattachPlan(draft, context.user, params.integrationId);
    for (const stackId of reattach) setStackIntegration(draft, stackId, integration.id);
    return { reattachedStackIds: reattach, skipped };
  });
  if (result.reattachedStackIds.length > 0) context.changed(['stacks']);
  return result;
}

export async function deleteStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksDelete>) {
  await context.store.update((draft) => {
    const stack = requireWritableStack(draft, context.user, params.stackId, 'Deleting a stack');
    draft.stacks = draft.stacks.filter((candidate) => candidate !== stack);
  });
  context.changed(['stacks']);
  return {};
}

/** R12: a detached stack cannot be run by hand either. */
export async function triggerRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksTriggerRun>): Promise<Protocol.Run> {
  const state = await context.store.read();
  const stack = requireWritableStack(state, context.user, params.stackId, 'Triggering a run');
  requireAttached(stack);
  const now = context.now();
  const run: Protocol.Run = {
    id: newRunId(now),
    stackId: stack.id,
    kind: 'tracked',
    trigger: 'manual',
    branch: stack.branch,
    commit: null,
    deliveryId: null,
    createdAt: now.toISOString(),
  };
  await context.runs.append([run]);
  context.changed(['runs']);
  return run;
}
