// The stack requests: list, create (R10), reattach (R12, R13), delete, and manual runs (R12).
import { randomBytes } from 'node:crypto';
import type { RequestScope, ServerContext } from '../context';
import { notFound } from '../errors';
import type * as Protocol from '../protocol';
import { hasRole, requireRole } from '../registry/access';
import { addStack, checkNewStack, requireAttached, requireStack, setStackIntegration, stacksDetachedFrom } from '../registry/stacks';
import { isUsableFrom } from '../registry/usability';
import type { RegistryState, StoredStack } from '../store/schema';
import { credentialOf } from './credentials';
import { currentRun } from '../runs/current';
import { stackView } from './views';

export function visibleStacks(state: RegistryState, user: string): StoredStack[] {
  return state.stacks.filter((stack) => hasRole(state, user, stack.spaceId, 'read'));
}

export function requireVisibleStack(state: RegistryState, user: string, id: string): StoredStack {
  const stack = requireStack(state, id);
  if (!hasRole(state, user, stack.spaceId, 'read')) throw notFound(`There is no stack "${id}" that ${user} can see.`);
  return stack;
}

export async function listStacks(context: ServerContext) {
  const state = await context.store.read();
  await context.execution?.book.refresh();
  return visibleStacks(state, context.user).map((stack) => stackView(stack, context.execution?.book.lastRunOf(stack.id) ?? null));
}

export async function createStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksCreate>, scope: RequestScope) {
  const before = await context.store.read();
  requireRole(before, context.user, params.spaceId, 'write', 'Creating a stack');
  const { integration } = checkNewStack(before, params);
  if (params.verify !== false) {
    // R10: the repository must be one the integration's credentials can see.
    await context.bitbucket.getRepository(await credentialOf(context, integration), params.repository, { signal: scope.signal });
  }
  const stack = await context.store.update((draft) => {
    requireRole(draft, context.user, params.spaceId, 'write', 'Creating a stack');
    return addStack(draft, params, context.now());
  });
  context.changed(['stacks']);
  return stackView(stack);
}

export async function setIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksSetIntegration>) {
  const stack = await context.store.update((draft) => {
    const target = requireVisibleStack(draft, context.user, params.stackId);
    requireRole(draft, context.user, target.spaceId, 'write', 'Changing a stack\'s integration');
    return setStackIntegration(draft, params.stackId, params.integrationId);
  });
  context.changed(['stacks']);
  return stackView(stack);
}

/** Changes what a stack runs with and what it tracks; the other fields stay as they are. */
export async function updateStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksUpdate>) {
  const stack = await context.store.update((draft) => {
    const target = requireVisibleStack(draft, context.user, params.stackId);
    requireRole(draft, context.user, target.spaceId, 'write', 'Changing a stack');
    if (params.runner !== undefined) target.runner = params.runner;
    if (params.autodeploy !== undefined) target.autodeploy = params.autodeploy;
    if (params.allowForks !== undefined) target.allowForks = params.allowForks;
    if (params.branch !== undefined) target.branch = params.branch;
    if (params.projectRoot !== undefined) target.projectRoot = params.projectRoot;
    return target;
  });
  context.changed(['stacks']);
  return stackView(stack, context.execution?.book.lastRunOf(stack.id) ?? null);
}

/** R13: reattach every stack still detached from this integration id, where the rules allow. */
export async function reattachAll(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksReattachAll>) {
  const result = await context.store.update((draft) => {
    const reattachedStackIds: string[] = [];
    const skipped: { stackId: string; reason: string }[] = [];
    const integration = draft.integrations.find((candidate) => candidate.id === params.integrationId);
    if (!integration) throw notFound(`There is no integration "${params.integrationId}" to reattach stacks to. Create it first.`);
    for (const stack of stacksDetachedFrom(draft, params.integrationId)) {
      if (!hasRole(draft, context.user, stack.spaceId, 'write')) {
        skipped.push({ stackId: stack.id, reason: `${context.user} has no write access on the space "${stack.spaceId}"` });
      } else if (!isUsableFrom(draft, integration, stack.spaceId)) {
        skipped.push({ stackId: stack.id, reason: `"${integration.name}" is not usable from the space "${stack.spaceId}"` });
      } else {
        setStackIntegration(draft, stack.id, integration.id);
        reattachedStackIds.push(stack.id);
      }
    }
    return { reattachedStackIds, skipped };
  });
  if (result.reattachedStackIds.length > 0) context.changed(['stacks']);
  return result;
}

export async function deleteStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksDelete>) {
  await context.store.update((draft) => {
    const stack = requireVisibleStack(draft, context.user, params.stackId);
    requireRole(draft, context.user, stack.spaceId, 'write', 'Deleting a stack');
    draft.stacks = draft.stacks.filter((candidate) => candidate !== stack);
  });
  context.changed(['stacks']);
  return {};
}

/** Unique across processes (a random part per process) and cheap enough for every delivery. */
const PROCESS_PART = randomBytes(4).toString('hex');
let runCounter = 0;

export function newRunId(now: Date): string {
  runCounter = (runCounter + 1) % 1_679_616;
  return `${now.getTime().toString(36)}-${PROCESS_PART}-${runCounter.toString(36).padStart(4, '0')}`;
}

/** R12: a detached stack cannot be run by hand either. */
export async function triggerRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksTriggerRun>): Promise<Protocol.Run> {
  const state = await context.store.read();
  const stack = requireVisibleStack(state, context.user, params.stackId);
  requireRole(state, context.user, stack.spaceId, 'write', 'Triggering a run');
  requireAttached(stack);
  return queueRun(context, { stackId: stack.id, kind: 'tracked', trigger: 'manual', branch: stack.branch, commit: null, pullRequestId: null });
}

/** Records a run this process was asked for, then executes it here (its commit resolved first). */
export async function queueRun(context: ServerContext, fields: Omit<Protocol.QueuedRun, 'id' | 'deliveryId' | 'createdAt'>): Promise<Protocol.Run> {
  const now = context.now();
  const run: Protocol.QueuedRun = { id: newRunId(now), deliveryId: null, createdAt: now.toISOString(), ...fields };
  await context.runs.append([run]);
  context.changed(['runs']);
  context.execution?.start([run]);
  return currentRun(context, run);
}
