// The stack requests: list, create (R10), reattach (R12, R13), delete, and manual runs (R12).
import type { RequestScope, ServerContext } from '../context';
import type { BitbucketCredential } from '../bitbucket/gateway';
import { invalid } from '../errors';
import type * as Protocol from '../protocol';
import { forgetStackPolicies } from '../registry/policies';
import { canSeeStack, hasRole, requireListedIntegration, requireRole, requireRunSettingsChoice, requireWritableStack, visibleStacks, type RunnerHost } from '../registry/access';
import { DEFAULT_RUN_SETTINGS, addStack, checkNewStack, editStack, requireAttached, requireProjectRoot, setStackIntegration, stacksDetachedFrom } from '../registry/stacks';
import { requireDriftSchedule } from '../registry/driftSchedule';
import { requireIntegration } from '../registry/integrations';
import { checkTriggerPaths } from '../registry/triggerPaths';
import { isUsableFrom } from '../registry/usability';
import { runSettingsOf, type RegistryState } from '../registry/state';
import { credentialOf } from '../secrets/credentialStore';
import { currentRun } from '../runs/current';
import { queueRuns, type RunRequest } from '../runs/queue';
import { runnerKindOf } from '../runs/runners/runnerKinds';
import { dropVariablesOf } from '../registry/variables';
import { setVariableSecret } from '../secrets/variableSecrets';
import type { StoredRun } from '../store/storedRun';
import { stackView } from './recordsForUser';

export async function listStacks(context: ServerContext) {
  const state = await context.store.read();
  await context.execution?.book.refresh();
  return visibleStacks(state, context.user).map((stack) => stackView(stack, context.execution?.book.lastRunOf(stack.id) ?? null, driftOf(context, stack.id)));
}

/** What the stack's last drift check found, as Stack.drift shows it (R26). */
export function driftOf(context: ServerContext, stackId: string): Protocol.StackDrift | null {
  const record = context.execution?.book.lastDriftOf(stackId);
  if (!record?.drift) return null;
  const { drift, run } = record;
  return {
    state: drift.state,
    resources: drift.state === 'drifted' ? drift.count : 0,
    checkedAt: run.endedAt ?? run.createdAt,
    runId: run.id,
    newlyDrifted: drift.newlyDrifted,
    ...(drift.reason !== undefined ? { reason: drift.reason } : {}),
  };
}

export async function createStack(context: ServerContext, asked: Protocol.ParamsOf<typeof Protocol.StacksCreate>, scope: RequestScope) {
  const before = await context.store.read();
  // A stack lives where its integration does unless told otherwise: the root space for the default one.
  // Only an integration the user can list lends its space, so a refusal never names a hidden one's.
  const params = { ...asked, spaceId: asked.spaceId ?? requireListedIntegration(before, context.user, asked.integrationId).spaceId };
  const newStack = { spaceId: params.spaceId, name: params.name, isNew: true };
  requireRole(before, context.user, params.spaceId, 'write', 'Creating a stack', 'spaceId');
  requireRunSettingsChoice(before, context.user, newStack, DEFAULT_RUN_SETTINGS, params, runnerHost(context));
  requireListedIntegration(before, context.user, params.integrationId);
  const { integration } = checkNewStack(before, params);
  if (params.triggerPaths !== undefined) checkTriggerPaths(params.triggerPaths);
  if (params.verify !== false) {
    // R10: the repository must be one the integration's credentials can see.
    const credential = await credentialOf(context.credentials, integration);
    await context.bitbucket.getRepository(credential, params.repository, { signal: scope.signal });
    await requireBranch(context, credential, params.repository, params.branch, scope);
  }
  const stack = await context.store.update((draft) => {
    requireRole(draft, context.user, params.spaceId, 'write', 'Creating a stack', 'spaceId');
    requireRunSettingsChoice(draft, context.user, newStack, DEFAULT_RUN_SETTINGS, params, runnerHost(context));
    requireListedIntegration(draft, context.user, params.integrationId);
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
  ).about('branch');
}

/** Changes what a stack tracks or runs with; a new branch must exist in its repository. */
export async function updateStack(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksUpdate>, scope: RequestScope) {
  const before = await context.store.read();
  const current = requireWritableStack(before, context.user, params.stackId, 'Changing a stack');
  requireProjectRoot(params.projectRoot);
  requireRunSettingsChoice(before, context.user, { ...current, isNew: false }, runSettingsOf(current), params, runnerHost(context));
  if (params.triggerPaths) checkTriggerPaths(params.triggerPaths);
  // Checked before Bitbucket is asked anything: a bad schedule changes nothing (R26).
  if (params.driftSchedule) requireDriftSchedule(params.driftSchedule);
  if (params.branch !== undefined && params.branch !== current.branch && params.verify !== false) {
    if (current.integrationId === null) {
      throw invalid(`The stack "${current.name}" is detached, so its branch cannot be checked with Bitbucket. Give it an integration first, then change the branch.`).about('branch');
    }
    const credential = await credentialOf(context.credentials, requireIntegration(before, current.integrationId));
    await requireBranch(context, credential, current.repository, params.branch, scope);
  }
  const stack = await context.store.update((draft) => {
    const target = requireWritableStack(draft, context.user, params.stackId, 'Changing a stack');
    requireRunSettingsChoice(draft, context.user, { ...target, isNew: false }, runSettingsOf(target), params, runnerHost(context));
    const { branch, projectRoot, runner, autodeploy, allowForks, triggerPaths, driftSchedule, reconcile } = params;
    return editStack(draft, target.id, { branch, projectRoot, runner, autodeploy, allowForks, triggerPaths, driftSchedule, reconcile }, context.now());
  });
  context.changed(['stacks']);
  return stackView(stack, context.execution?.book.lastRunOf(stack.id) ?? null, driftOf(context, stack.id));
}

export async function setIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksSetIntegration>) {
  const stack = await context.store.update((draft) => {
    requireWritableStack(draft, context.user, params.stackId, 'Changing a stack\'s integration');
    requireListedIntegration(draft, context.user, params.integrationId);
    return setStackIntegration(draft, params.stackId, params.integrationId);
  });
  context.changed(['stacks']);
  return stackView(stack, context.execution?.book.lastRunOf(stack.id) ?? null, driftOf(context, stack.id));
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
  const dropped = await context.store.update((draft) => {
    const stack = requireWritableStack(draft, context.user, params.stackId, 'Deleting a stack');
    draft.stacks = draft.stacks.filter((candidate) => candidate !== stack);
    forgetStackPolicies(draft, stack.id);
    return dropVariablesOf(draft, { scope: 'stack', id: stack.id });
  });
  // Its secret variables' values go with it (a stack of the same name later starts with none).
  for (const variable of dropped.filter((candidate) => candidate.secret)) await setVariableSecret(context.credentials, variable, null).catch(() => undefined);
  context.changed(['stacks']);
  return {};
}

/** R12: a detached stack cannot be run by hand either. */
export async function triggerRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksTriggerRun>): Promise<Protocol.Run> {
  const state = await context.store.read();
  const stack = requireWritableStack(state, context.user, params.stackId, 'Triggering a run');
  requireAttached(stack);
  return queueRun(context, { stackId: stack.id, kind: 'tracked', trigger: 'manual', branch: stack.branch, commit: null, pullRequestId: null, triggeredBy: context.user });
}

/** R26: a drift check now, asked by a person: a refresh-only plan of the branch's head, never applied. */
export async function checkDrift(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksCheckDrift>): Promise<Protocol.Run> {
  const state = await context.store.read();
  const stack = requireWritableStack(state, context.user, params.stackId, 'Checking a stack for drift');
  requireAttached(stack);
  return queueRun(context, { stackId: stack.id, kind: 'drift', trigger: 'manual', branch: stack.branch, commit: null, pullRequestId: null });
}

/** Queues a run this process was asked for, in the runs log, and executes it here (its commit resolved first). */
export async function queueRun(context: ServerContext, request: RunRequest): Promise<Protocol.Run> {
  const queued = await queueRuns(context, [request], { deliveryId: null, at: context.now() }, async (runs, owner) => {
    const stored: StoredRun[] = runs.map((run) => ({ ...run, ...(owner !== undefined ? { queuedBy: owner } : {}) }));
    await context.runs.append(stored);
    return { result: stored[0] as StoredRun, changed: ['runs'] };
  });
  return currentRun(context.execution, queued);
}

/** On a team server: whether its host allows the local runner, and which runner kinds need it to. */
function runnerHost(context: ServerContext): RunnerHost | undefined {
  if (!context.team) return undefined;
  return { localRunner: context.team.localRunner, needsLocalRunner: (runner) => runnerKindOf(runner).needsLocalRunner };
}
