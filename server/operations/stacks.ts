// The stack requests: list, create (R10), reattach (R12, R13), delete, and manual runs (R12).
import { randomBytes } from 'node:crypto';
import type { RequestScope, ServerContext } from '../context';
import type { BitbucketCredential } from '../bitbucket/gateway';
import { invalid, notFound } from '../errors';
import type * as Protocol from '../protocol';
import { hasRole, requireRole } from '../registry/access';
import { addStack, checkNewStack, editStack, requireAttached, requireStack, setStackIntegration, stacksDetachedFrom } from '../registry/stacks';
import { requireIntegration } from '../registry/integrations';
import { isUsableFrom } from '../registry/usability';
import type { RegistryState, StoredStack } from '../store/schema';
import { credentialOf } from './credentials';
import { stackView } from './views';

export function visibleStacks(state: RegistryState, user: string): StoredStack[] {
  return state.stacks.filter((stack) => hasRole(state, user, stack.spaceId, 'read'));
}

function requireVisibleStack(state: RegistryState, user: string, id: string): StoredStack {
  const stack = requireStack(state, id);
  if (!hasRole(state, user, stack.spaceId, 'read')) throw notFound(`There is no stack "${id}" that ${user} can see.`);
  return stack;
}

export async function listStacks(context: ServerContext) {
  const state = await context.store.read();
  return visibleStacks(state, context.user).map(stackView);
}

export async function createStack(context: ServerContext, asked: Protocol.ParamsOf<typeof Protocol.StacksCreate>, scope: RequestScope) {
  const before = await context.store.read();
  // A stack lives where its integration does unless told otherwise: the root space for the default one.
  const params = { ...asked, spaceId: asked.spaceId ?? requireIntegration(before, asked.integrationId).spaceId };
  requireRole(before, context.user, params.spaceId, 'write', 'Creating a stack');
  const { integration } = checkNewStack(before, params);
  if (params.verify !== false) {
    // R10: the repository must be one the integration's credentials can see.
    const credential = await credentialOf(context, integration);
    await context.bitbucket.getRepository(credential, params.repository, { signal: scope.signal });
    await requireBranch(context, credential, params.repository, params.branch, scope);
  }
  const stack = await context.store.update((draft) => {
    requireRole(draft, context.user, params.spaceId, 'write', 'Creating a stack');
    return addStack(draft, params, context.now());
  });
  context.changed(['stacks']);
  return stackView(stack);
}

/** How many branch names a refusal lists, so the message stays readable in a notification. */
const BRANCHES_NAMED = 10;

/** A stack tracks a branch that exists: a typo ("mian") would never start a run. */
async function requireBranch(context: ServerContext, credential: BitbucketCredential, repository: string, branch: string, scope: RequestScope): Promise<void> {
  if ((await context.bitbucket.getBranch(credential, repository, branch, { signal: scope.signal })) !== null) return;
  const known = (await context.bitbucket.listBranches(credential, repository, { signal: scope.signal })).map((candidate) => candidate.name);
  const some = known.slice(0, BRANCHES_NAMED).join(', ') + (known.length > BRANCHES_NAMED ? `, … (${known.length} in all)` : '');
  throw invalid(
    `${repository} has no branch "${branch}". ` +
      (known.length > 0 ? `Its branches: ${some}. Pick one of them, or push the branch first.` : 'It has no branches yet: push one first.'),
  );
}

/** Changes the branch or project root of a stack; a new branch must exist in its repository. */
export async function updateStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksUpdate>, scope: RequestScope) {
  const before = await context.store.read();
  const current = requireVisibleStack(before, context.user, params.stackId);
  requireRole(before, context.user, current.spaceId, 'write', 'Changing a stack');
  if (params.branch !== undefined && params.branch !== current.branch && params.verify !== false) {
    if (current.integrationId === null) {
      throw invalid(`The stack "${current.name}" is detached, so its branch cannot be checked with Bitbucket. Give it an integration first, then change the branch.`);
    }
    const credential = await credentialOf(context, requireIntegration(before, current.integrationId));
    await requireBranch(context, credential, current.repository, params.branch, scope);
  }
  const stack = await context.store.update((draft) => {
    const target = requireVisibleStack(draft, context.user, params.stackId);
    requireRole(draft, context.user, target.spaceId, 'write', 'Changing a stack');
    return editStack(draft, target.id, { branch: params.branch, projectRoot: params.projectRoot });
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
