// Spaces as a pick list shows them: the name, and the path from the root, so two spaces of one name
// can be told apart.
import type * as Protocol from '../../server/protocol';

export function spacePath(spaces: readonly Protocol.Space[], space: Protocol.Space): string {
  const byId = new Map(spaces.map((candidate) => [candidate.id, candidate]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let at: Protocol.Space | undefined = space; at && !seen.has(at.id); at = at.parentId === null ? undefined : byId.get(at.parentId)) {
    seen.add(at.id);
    names.unshift(at.name);
  }
  return names.join(' / ');
}

export function spaceItems(spaces: readonly Protocol.Space[]): { label: string; description: string; value: string }[] {
  return spaces.map((space) => ({ label: space.name, description: spacePath(spaces, space), value: space.id }));
}
