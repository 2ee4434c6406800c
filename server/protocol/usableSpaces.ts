// R4 as the editor needs it: the spaces a stack may be put in to use a given integration, computed
// from what spaces/list returns, so Create Stack offers only those (the server checks the same rule
// in server/registry/usability.ts; test/unit/protocol/usableSpaces.test.ts holds the two together).
import type { IntegrationSummary, Space } from './entities';

/** The ids of the spaces from which `integration` may be used: all for a default one; else its space and inheriting descendants. */
export function spacesUsableBy(spaces: readonly Space[], integration: Pick<IntegrationSummary, 'type' | 'spaceId'>): Set<string> {
  if (integration.type === 'default') return new Set(spaces.map((space) => space.id));
  const byId = new Map(spaces.map((space) => [space.id, space]));
  const usable = new Set<string>();
  for (const space of spaces) {
    // Walk up to the integration's space; every space below it on the way must inherit entities.
    let at: Space | undefined = space;
    const seen = new Set<string>();
    let ok = true;
    while (at && at.id !== integration.spaceId && !seen.has(at.id)) {
      seen.add(at.id);
      if (!at.inheritEntities) ok = false;
      at = at.parentId === null ? undefined : byId.get(at.parentId);
    }
    if (ok && at?.id === integration.spaceId) usable.add(space.id);
  }
  return usable;
}
