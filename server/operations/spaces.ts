// Spaces and access grants.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { grant, requireRole, visibleSpaces } from '../registry/access';
import { createSpace as addSpace } from '../registry/spaces';

export async function listSpaces(context: ServerContext) {
  const state = await context.store.read();
  return visibleSpaces(state, context.user).map(({ id, name, parentId, inheritEntities }) => ({ id, name, parentId, inheritEntities }));
}

export async function createSpace(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.SpacesCreate>) {
  const space = await context.store.update((draft) => {
    requireRole(draft, context.user, params.parentId, 'admin', 'Creating a space');
    return addSpace(draft, params);
  });
  context.changed(['spaces']);
  return space;
}

export async function grantAccess(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.AccessGrant>) {
  await context.store.update((draft) => grant(draft, context.user, params));
  context.changed(['spaces', 'integrations', 'stacks']);
  return {};
}
