// Stacks: R10 (an integration usable from the stack's space), R11/R12 (detached stacks), R13
// (reattaching after a same-name recreate).
import { conflict, detached, forbidden, invalid, notFound } from '../errors';
import { DEFAULT_RUNNER, projectRootProblem, type DriftSchedule, type Reconcile, type Runner } from '../protocol';
import { requireDriftSchedule } from './driftSchedule';
import { runSettingsOf, type RegistryState, type StoredIntegration, type StoredStack } from './state';
import { requireIntegration } from './integrations';
import { requireIdFromName } from './names';
import { requireSpace } from './spaces';
import { checkTriggerPaths } from './triggerPaths';
import { isUsableFrom } from './usability';

export interface NewStack {
  name: string;
  spaceId: string;
  integrationId: string;
  repository: string;
  branch: string;
  projectRoot?: string | undefined;
  runner?: Runner | undefined;
  autodeploy?: boolean | undefined;
  allowForks?: boolean | undefined;
  triggerPaths?: string[] | undefined;
  driftSchedule?: DriftSchedule | null | undefined;
  reconcile?: Reconcile | undefined;
}

export function requireStack(state: RegistryState, id: string): StoredStack {
  const stack = state.stacks.find((candidate) => candidate.id === id);
  if (!stack) throw notFound(`There is no stack "${id}". List stacks to see their ids.`);
  return stack;
}

export function isDetached(stack: StoredStack): boolean {
  return stack.integrationId === null;
}

/** R4, R10: the integration must be usable from the stack's space. */
export function requireUsableIntegration(state: RegistryState, integrationId: string, spaceId: string): StoredIntegration {
  const integration = requireIntegration(state, integrationId);
  if (!isUsableFrom(state, integration, spaceId)) {
    throw forbidden(
      `The integration "${integration.name}" belongs to the space "${integration.spaceId}" and cannot be used from "${spaceId}": ` +
        `it can be used only in "${integration.spaceId}" and in the spaces below it that inherit entities (set when a space is created). ` +
        `Put the stack in "${integration.spaceId}" (or a space below it that inherits), or use the default integration.`,
    ).about('integrationId');
  }
  return integration;
}

/** A project root inside the repository: never absolute, never through "..", refused before anything is saved. */
export function requireProjectRoot(root: string | undefined): void {
  const problem = root === undefined ? undefined : projectRootProblem(root);
  if (problem) throw invalid(`${problem} Nothing was saved.`, [{ path: 'projectRoot', message: problem }]).about('projectRoot');
}

/** Checks everything about a new stack that needs no call to Bitbucket. */
export function checkNewStack(state: RegistryState, input: NewStack): { id: string; integration: StoredIntegration } {
  requireProjectRoot(input.projectRoot);
  const id = requireIdFromName(input.name, 'stack');
  requireSpace(state, input.spaceId);
  if (state.stacks.some((stack) => stack.id === id)) throw conflict(`A stack with the id "${id}" already exists. Choose another name.`).about('name');
  if (input.driftSchedule) requireDriftSchedule(input.driftSchedule);
  return { id, integration: requireUsableIntegration(state, input.integrationId, input.spaceId) };
}

export function addStack(state: RegistryState, input: NewStack, now: Date): StoredStack {
  const { id } = checkNewStack(state, input);
  const triggerPaths = input.triggerPaths === undefined ? undefined : checkTriggerPaths(input.triggerPaths);
  const driftSchedule = input.driftSchedule ? requireDriftSchedule(input.driftSchedule) : null;
  const stack: StoredStack = {
    id,
    name: input.name,
    spaceId: input.spaceId,
    integrationId: input.integrationId,
    detachedFrom: null,
    repository: input.repository,
    branch: input.branch,
    projectRoot: input.projectRoot ?? '',
    createdAt: now.toISOString(),
    runner: input.runner ?? DEFAULT_RUNNER,
    autodeploy: input.autodeploy ?? false,
    allowForks: input.allowForks ?? false,
    ...(triggerPaths !== undefined ? { triggerPaths } : {}),
    driftSchedule,
    ...(driftSchedule ? { driftSince: now.toISOString() } : {}),
    reconcile: input.reconcile ?? 'off',
  };
  state.stacks.push(stack);
  return stack;
}

export interface StackEdit {
  branch?: string | undefined;
  projectRoot?: string | undefined;
  runner?: Runner | undefined;
  autodeploy?: boolean | undefined;
  allowForks?: boolean | undefined;
  /** null: back to the default (everything under the project root). */
  triggerPaths?: string[] | null | undefined;
  driftSchedule?: DriftSchedule | null | undefined;
  reconcile?: Reconcile | undefined;
}

/** A stack's settings that decide what code runs where: its runner, autodeploy and allowForks. */
export type RunSettings = ReturnType<typeof runSettingsOf>;
export type RunSetting = keyof RunSettings;

/** What a new stack runs with when it says nothing: Pipelines, a person confirms, no forks. */
export const DEFAULT_RUN_SETTINGS: RunSettings = { runner: DEFAULT_RUNNER, autodeploy: false, allowForks: false };

/**
 * One runner whatever the order of its fields: the same type and the same settings (a pipeline name,
 * argv). A local runner without a tool is `custom`, so one sent back with `tool: "custom"` is the same.
 */
function runnerKey(runner: Runner): string {
  const normal = runner.type === 'local' && runner.tool === undefined ? { ...runner, tool: 'custom' } : runner;
  return JSON.stringify(normal, Object.keys(normal).sort());
}

/** The run settings `asked` would change from `current`; one given with its current value changes nothing. */
export function changedRunSettings(current: RunSettings, asked: { [K in RunSetting]?: RunSettings[K] | undefined }): RunSetting[] {
  const changed: RunSetting[] = [];
  if (asked.runner !== undefined && runnerKey(asked.runner) !== runnerKey(current.runner)) changed.push('runner');
  if (asked.autodeploy !== undefined && asked.autodeploy !== current.autodeploy) changed.push('autodeploy');
  if (asked.allowForks !== undefined && asked.allowForks !== current.allowForks) changed.push('allowForks');
  return changed;
}

/** What a stack tracks and runs with may change; its name (and so its id) and space may not. */
export function editStack(state: RegistryState, stackId: string, edit: StackEdit, now = new Date()): StoredStack {
  const stack = requireStack(state, stackId);
  requireProjectRoot(edit.projectRoot);
  const triggerPaths = edit.triggerPaths ? checkTriggerPaths(edit.triggerPaths) : edit.triggerPaths;
  // Checked before anything changes: a bad schedule changes nothing.
  const driftSchedule = edit.driftSchedule ? requireDriftSchedule(edit.driftSchedule) : edit.driftSchedule;
  if (driftSchedule !== undefined && !sameSchedule(driftSchedule, stack.driftSchedule ?? null)) {
    stack.driftSchedule = driftSchedule;
    // R27: a new schedule starts from now; the slots of the old one are not owed.
    if (driftSchedule) stack.driftSince = now.toISOString();
    else delete stack.driftSince;
  }
  if (edit.reconcile !== undefined) stack.reconcile = edit.reconcile;
  if (edit.branch !== undefined) stack.branch = edit.branch;
  if (triggerPaths === null) delete stack.triggerPaths;
  else if (triggerPaths !== undefined) stack.triggerPaths = triggerPaths;
  if (edit.projectRoot !== undefined) stack.projectRoot = edit.projectRoot;
  if (edit.runner !== undefined) stack.runner = edit.runner;
  if (edit.autodeploy !== undefined) stack.autodeploy = edit.autodeploy;
  if (edit.allowForks !== undefined) stack.allowForks = edit.allowForks;
  return stack;
}

/** R12: a detached stack gets an integration again only through its settings. */
export function setStackIntegration(state: RegistryState, stackId: string, integrationId: string): StoredStack {
  const stack = requireStack(state, stackId);
  requireUsableIntegration(state, integrationId, stack.spaceId);
  stack.integrationId = integrationId;
  stack.detachedFrom = null;
  return stack;
}

/** R13: the stacks still detached from an integration of this id. */
export function stacksDetachedFrom(state: RegistryState, integrationId: string): StoredStack[] {
  return state.stacks.filter((stack) => isDetached(stack) && stack.detachedFrom === integrationId);
}

/** R12: say plainly why a detached stack cannot run. */
export function requireAttached(stack: StoredStack): string {
  if (stack.integrationId === null) {
    const from = stack.detachedFrom ? ` from the deleted integration "${stack.detachedFrom}"` : '';
    throw detached(
      `The stack "${stack.name}" is detached${from}, so it cannot run and receives no webhooks. Give it an integration with Edit Stack or Reattach Stack first.`,
    );
  }
  return stack.integrationId;
}

function sameSchedule(a: DriftSchedule | null, b: DriftSchedule | null): boolean {
  return a === b || (a !== null && b !== null && a.cron === b.cron && a.timeZone === b.timeZone);
}
