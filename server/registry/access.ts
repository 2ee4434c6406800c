// Roles per space: read < write < admin, and a role on a space holds on all its descendants.
// R6–R8 decide who may list, see the details of, and manage an integration.
import { forbidden } from '../errors';
import type { Role } from '../protocol';
import type { RegistryState, StoredIntegration } from '../store/schema';
import { ROOT_SPACE_ID } from '../store/schema';
import { pathToRoot, requireSpace } from './spaces';

const RANK: Record<Role, number> = { read: 1, write: 2, admin: 3 };

export function hasRole(state: RegistryState, user: string, spaceId: string, role: Role): boolean {
  const path = new Set(pathToRoot(state, spaceId).map((space) => space.id));
  return state.grants.some((grant) => grant.user === user && path.has(grant.spaceId) && RANK[grant.role] >= RANK[role]);
}

/** A default integration belongs to the root space, whatever is stored beside it. */
export function governingSpace(integration: Pick<StoredIntegration, 'type' | 'spaceId'>): string {
  return integration.type === 'default' ? ROOT_SPACE_ID : integration.spaceId;
}

/** R6, R7: a default integration is listed to everyone; a space one to readers of its space. */
export function canList(state: RegistryState, user: string, integration: StoredIntegration): boolean {
  return integration.type === 'default' || hasRole(state, user, integration.spaceId, 'read');
}

/** R6, R7: details only to admins of the integration's space (root for a default one). */
export function canSeeDetails(state: RegistryState, user: string, integration: StoredIntegration): boolean {
  return hasRole(state, user, governingSpace(integration), 'admin');
}

/** R8: creating, editing or deleting an integration needs admin on its space. */
export function requireManage(state: RegistryState, user: string, integration: Pick<StoredIntegration, 'type' | 'spaceId'>): void {
  const spaceId = governingSpace(integration);
  if (!hasRole(state, user, spaceId, 'admin')) {
    throw forbidden(`Managing this integration needs admin on the space "${spaceId}", and ${user} is not an admin there. Ask an admin of that space to grant it.`);
  }
}

export function requireRole(state: RegistryState, user: string, spaceId: string, role: Role, action: string): void {
  requireSpace(state, spaceId);
  if (!hasRole(state, user, spaceId, role)) {
    throw forbidden(`${action} needs ${role} access on the space "${spaceId}", which ${user} does not have.`);
  }
}

export function grant(state: RegistryState, by: string, input: { user: string; spaceId: string; role: Role }): void {
  requireRole(state, by, input.spaceId, 'admin', 'Granting access');
  const existing = state.grants.find((g) => g.user === input.user && g.spaceId === input.spaceId);
  if (existing) existing.role = input.role;
  else state.grants.push({ ...input });
}
