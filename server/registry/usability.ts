// R4: which stacks may use an integration.
import type { RegistryState, StoredIntegration } from './state';
import { pathToRoot } from './spaces';

/**
 * A default integration is usable everywhere. A space-level one is usable in its own space, and in a
 * descendant space when every space on the path below the integration's space inherits entities.
 */
export function isUsableFrom(state: RegistryState, integration: StoredIntegration, stackSpaceId: string): boolean {
  if (integration.type === 'default') return true;
  const path = pathToRoot(state, stackSpaceId);
  const index = path.findIndex((space) => space.id === integration.spaceId);
  if (index < 0) return false;
  return path.slice(0, index).every((space) => space.inheritEntities);
}
