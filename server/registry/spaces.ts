// The space tree: lookups, the path from a space up to the root, and creating a space.
import { conflict, notFound } from '../errors';
import type { RegistryState, StoredSpace } from './state';
import { requireIdFromName } from './names';

export function findSpace(state: RegistryState, id: string): StoredSpace | undefined {
  return state.spaces.find((space) => space.id === id);
}

export function requireSpace(state: RegistryState, id: string): StoredSpace {
  const space = findSpace(state, id);
  if (!space) throw notFound(`There is no space "${id}". List spaces to see their ids.`);
  return space;
}

/** The space itself, then its parent, … up to the root. */
export function pathToRoot(state: RegistryState, id: string): StoredSpace[] {
  const path: StoredSpace[] = [];
  const seen = new Set<string>();
  let current = findSpace(state, id);
  while (current && !seen.has(current.id)) {
    path.push(current);
    seen.add(current.id);
    current = current.parentId === null ? undefined : findSpace(state, current.parentId);
  }
  return path;
}

export function createSpace(state: RegistryState, input: { name: string; parentId: string; inheritEntities: boolean }): StoredSpace {
  requireSpace(state, input.parentId);
  const id = requireIdFromName(input.name, 'space');
  if (findSpace(state, id)) throw conflict(`A space with the id "${id}" already exists. Choose another name.`);
  const space: StoredSpace = { id, name: input.name, parentId: input.parentId, inheritEntities: input.inheritEntities };
  state.spaces.push(space);
  return space;
}
