// Every access decision, in one module. Roles per space: read < write < admin, and a role on a space
// holds on all its descendants. R6–R8 decide who may list, see the details of, and manage an
// integration; stacks, spaces, runs and deliveries are seen by readers of their space and changed by
// writers, except a stack's settings that decide what code runs where (its runner, autodeploy,
// allowForks), which are admin's. What a user may not see is reported as absent (NotFound), never as
// forbidden, so a refusal does not confirm that a hidden thing exists; Forbidden is for what they can
// see but not do.
import { forbidden, notFound } from '../errors';
import type { Delivery, Role, Runner } from '../protocol';
import type { RegistryState, StoredIntegration, StoredSpace, StoredStack } from './state';
import { ROOT_SPACE_ID } from './state';
import { requireIntegration } from './integrations';
import { findSpace, pathToRoot } from './spaces';
import { changedRunSettings, requireStack, type RunSetting, type RunSettings } from './stacks';

const RANK: Record<Role, number> = { read: 1, write: 2, admin: 3 };

export function hasRole(state: RegistryState, user: string, spaceId: string, role: Role): boolean {
  const path = new Set(pathToRoot(state, spaceId).map((space) => space.id));
  return state.grants.some((grant) => grant.user === user && path.has(grant.spaceId) && RANK[grant.role] >= RANK[role]);
}

/** Whether the user is an admin anywhere: only they can create integrations, so only they preview names. */
export function isAdminSomewhere(state: RegistryState, user: string): boolean {
  return state.grants.some((grant) => grant.user === user && grant.role === 'admin');
}

/**
 * Checking credentials the user typed makes this server call Bitbucket with them (and list the
 * account's workspaces): only those who could create an integration somewhere, admins of a space.
 */
export function requireCredentialCheck(state: RegistryState, user: string): void {
  if (!isAdminSomewhere(state, user)) {
    throw forbidden(
      `Checking Bitbucket credentials that are not an integration's needs admin on a space (the role that creates integrations), which ${user} has on none. ` +
        'Test a saved integration instead, or ask an admin.',
    );
  }
}

/** A default integration belongs to the root space, whatever is stored beside it. */
export function governingSpace(integration: Pick<StoredIntegration, 'type' | 'spaceId'>): string {
  return integration.type === 'default' ? ROOT_SPACE_ID : integration.spaceId;
}

// Spaces

export function canSeeSpace(state: RegistryState, user: string, spaceId: string): boolean {
  return hasRole(state, user, spaceId, 'read');
}

export function visibleSpaces(state: RegistryState, user: string): StoredSpace[] {
  return state.spaces.filter((space) => canSeeSpace(state, user, space.id));
}

/** The role on a space, for `action`: a space the user cannot see is reported as absent. `field` names the space's param. */
export function requireRole(state: RegistryState, user: string, spaceId: string, role: Role, action: string, field?: string): StoredSpace {
  const space = findSpace(state, spaceId);
  if (!space || !canSeeSpace(state, user, spaceId)) throw notFound(`There is no space "${spaceId}" that ${user} can see. List spaces to see their ids.`).about(field);
  if (!hasRole(state, user, spaceId, role)) {
    throw forbidden(`${action} needs ${role} access on the space "${spaceId}", which ${user} does not have.`).about(field);
  }
  return space;
}

export function grant(state: RegistryState, by: string, input: { user: string; spaceId: string; role: Role }): void {
  requireRole(state, by, input.spaceId, 'admin', 'Granting access');
  const existing = state.grants.find((g) => g.user === input.user && g.spaceId === input.spaceId);
  if (existing) existing.role = input.role;
  else state.grants.push({ ...input });
}

// Integrations

/** R6, R7: a default integration is listed to everyone; a space one to readers of its space. */
export function canList(state: RegistryState, user: string, integration: Pick<StoredIntegration, 'type' | 'spaceId'>): boolean {
  return integration.type === 'default' || hasRole(state, user, integration.spaceId, 'read');
}

/** R6, R7: details only to admins of the integration's space (root for a default one). */
export function canSeeDetails(state: RegistryState, user: string, integration: StoredIntegration): boolean {
  return hasRole(state, user, governingSpace(integration), 'admin');
}

/** An integration the user may list; one they may not is reported as absent, not as forbidden. */
export function requireListedIntegration(state: RegistryState, user: string, id: string): StoredIntegration {
  const integration = requireIntegration(state, id);
  if (!canList(state, user, integration)) throw notFound(`There is no integration "${id}" that ${user} can see.`);
  return integration;
}

/** R6, R7: details are for admins of the integration's space. */
export function requireIntegrationDetails(state: RegistryState, user: string, id: string): StoredIntegration {
  const integration = requireListedIntegration(state, user, id);
  if (!canSeeDetails(state, user, integration)) {
    const space = integration.type === 'default' ? 'the root space' : `the space "${integration.spaceId}"`;
    throw forbidden(`The details of "${integration.name}" are visible only to admins of ${space}. Ask one of them for access.`);
  }
  return integration;
}

/** R8: creating, editing or deleting an integration needs admin on its space. */
export function requireManage(state: RegistryState, user: string, integration: Pick<StoredIntegration, 'type' | 'spaceId'>): void {
  const spaceId = governingSpace(integration);
  if (!hasRole(state, user, spaceId, 'admin')) {
    if (!canList(state, user, integration) && !canSeeSpace(state, user, spaceId)) throw notFound(`There is no space "${spaceId}" that ${user} can see.`);
    throw forbidden(`Managing this integration needs admin on the space "${spaceId}", and ${user} is not an admin there. Ask an admin of that space to grant it.`);
  }
}

/** Reading through an integration's credential on the user's behalf needs write on its space. */
export function requireCredentialUse(state: RegistryState, user: string, id: string, what: string): StoredIntegration {
  const integration = requireListedIntegration(state, user, id);
  const spaceId = governingSpace(integration);
  if (!hasRole(state, user, spaceId, 'write')) throw forbidden(`${what} of "${integration.name}" needs write access on the space "${spaceId}".`);
  return integration;
}

// Stacks

export function canSeeStack(state: RegistryState, user: string, stack: Pick<StoredStack, 'spaceId'>): boolean {
  return hasRole(state, user, stack.spaceId, 'read');
}

export function visibleStacks(state: RegistryState, user: string): StoredStack[] {
  return state.stacks.filter((stack) => canSeeStack(state, user, stack));
}

export function requireVisibleStack(state: RegistryState, user: string, id: string): StoredStack {
  const stack = requireStack(state, id);
  if (!canSeeStack(state, user, stack)) throw notFound(`There is no stack "${id}" that ${user} can see.`);
  return stack;
}

/** A stack the user can see and change (write on its space). */
export function requireWritableStack(state: RegistryState, user: string, id: string, action: string): StoredStack {
  const stack = requireVisibleStack(state, user, id);
  requireRole(state, user, stack.spaceId, 'write', action);
  return stack;
}

const RUN_SETTING_NAMES: Record<RunSetting, string> = { runner: 'the runner', autodeploy: 'autodeploy', allowForks: 'allowForks' };

/**
 * A stack's runner (its type, commands, pipeline name), autodeploy and allowForks decide what code
 * runs where and whether a person confirms it: a writer who could set them could run a fork's code
 * on the team's host or pipelines. So they are admin's on the stack's space, to change on a stack
 * (`current`: its settings) and to set to anything but the defaults on a new one (`current`: the
 * defaults); writers set the rest (branch, project root). A setting asked with its current value
 * changes nothing and needs nothing. A local runner on a team server needs more (requireLocalRunnerChoice).
 */
export function requireRunSettingsChoice(
  state: RegistryState,
  user: string,
  stack: { spaceId: string; name: string; isNew: boolean },
  current: RunSettings,
  asked: { [K in RunSetting]?: RunSettings[K] | undefined },
  host: RunnerHost | undefined,
): void {
  const changed = changedRunSettings(current, asked);
  if (changed.includes('runner') && asked.runner !== undefined && host) requireLocalRunnerChoice(state, user, host.localRunner, host.needsLocalRunner(asked.runner));
  if (changed.length === 0 || hasRole(state, user, stack.spaceId, 'admin')) return;
  const names = changed.map((setting) => RUN_SETTING_NAMES[setting]);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const action = stack.isNew ? `Setting ${list} of a new stack to anything but the default` : `Changing ${list} of the stack "${stack.name}"`;
  throw forbidden(
    `${action} needs admin on the space "${stack.spaceId}", which ${user} does not have: ${names.length === 1 ? 'it decides' : 'they decide'} what code runs where. ` +
      'A writer may change the branch and the project root; ask an admin of the space for the rest.',
  ).about(changed.includes('runner') ? 'runner' : changed[0]);
}

// Deliveries

/**
 * A delivery is shown to those who may list its integration; one to a deleted integration to those
 * who could list it (its space is kept; without one, admins of the root); one to an id that never
 * named an integration carries no stack or repository, so every user sees it. Stacks the user cannot
 * see are left out of what is shown, and a reason that would name them is replaced.
 */
export function visibleDelivery(state: RegistryState, user: string, delivery: Delivery): Delivery | null {
  const live = state.integrations.find((integration) => integration.id === delivery.integrationId);
  if (live) {
    if (!canList(state, user, live)) return null;
  } else {
    const deleted = state.deletedIntegrations.find((integration) => integration.id === delivery.integrationId);
    if (deleted) {
      const allowed = deleted.type !== null && deleted.spaceId !== null ? canList(state, user, { type: deleted.type, spaceId: deleted.spaceId }) : hasRole(state, user, ROOT_SPACE_ID, 'admin');
      if (!allowed) return null;
    } else if (delivery.stackIds.length > 0) {
      return null;
    }
  }
  const stacks = new Map(state.stacks.map((stack) => [stack.id, stack]));
  const shown = delivery.stackIds.filter((id) => {
    const stack = stacks.get(id);
    return stack !== undefined && canSeeStack(state, user, stack);
  });
  if (shown.length === delivery.stackIds.length) return delivery;
  const hidden = delivery.stackIds.length - shown.length;
  return {
    ...delivery,
    stackIds: shown,
    reason: `${delivery.verdict}: ${shown.length} stack${shown.length === 1 ? '' : 's'} you can see (${shown.join(', ') || 'none'}) and ${hidden} you cannot`,
  };
}

// Team server

/** Inviting users to a team server needs admin of the root space; that the root exists is no secret. */
export function requireRootAdmin(state: RegistryState, user: string, action: string, field?: string): void {
  if (!hasRole(state, user, ROOT_SPACE_ID, 'admin')) throw forbidden(`${action} needs admin of the root space, which ${user} is not. Ask an admin of the root space.`).about(field);
}

/** Why a local run does not start on a team server whose host has not enabled the local runner. */
export const LOCAL_RUNNER_OFF =
  "The local runner is off on this team server: it would run the stack's commands on the server's host. Use the pipelines runner, or ask the server's administrator to start it with --local-runner.";

/** On a team server: whether its host lets the local runner run, and which runners run a stack's commands on the host (runs/runners/). */
export interface RunnerHost {
  readonly localRunner: boolean;
  needsLocalRunner(runner: Runner): boolean;
}

/**
 * On a team server the local runner runs a stack's commands on the server's host: it may be chosen only
 * where the host enables it, and only by admins of the root space. One person's process has no such limit.
 */
export function requireLocalRunnerChoice(state: RegistryState, user: string, localRunner: boolean, needsLocalRunner: boolean): void {
  if (!needsLocalRunner) return;
  if (!localRunner) throw forbidden(LOCAL_RUNNER_OFF).about('runner');
  requireRootAdmin(state, user, "Setting a stack's local commands on a team server", 'runner');
}
