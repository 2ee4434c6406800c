// Which repositories need a webhook, and what deleting an integration would detach: asked by the
// editor, answered here, so the rule (attached stacks need their repository's hook, R11, R14) lives
// in one place.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { requireListedIntegration, requireManage, visibleStacks } from '../registry/access';
import type { StoredStack } from '../registry/state';

function groupByRepository(stacks: readonly StoredStack[]): Protocol.ExpectedWebhook[] {
  const groups = new Map<string, Protocol.ExpectedWebhook>();
  for (const stack of stacks) {
    if (stack.integrationId === null) continue;
    const key = `${stack.integrationId}\n${stack.repository.toLowerCase()}`;
    const group = groups.get(key) ?? { integrationId: stack.integrationId, repository: stack.repository, stacks: [] };
    group.stacks.push({ id: stack.id, name: stack.name });
    groups.set(key, group);
  }
  return [...groups.values()];
}

export async function expectedWebhooks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksExpected>): Promise<Protocol.ExpectedWebhook[]> {
  const state = await context.store.read();
  const stacks = visibleStacks(state, context.user).filter((stack) => params.integrationId === undefined || stack.integrationId === params.integrationId);
  return groupByRepository(stacks);
}

export async function deletePreview(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsDeletePreview>) {
  const state = await context.store.read();
  // What the user cannot list is answered NotFound, like every other request about it.
  requireManage(state, context.user, requireListedIntegration(state, context.user, params.id));
  // R11 detaches every stack on it, seen or not: the preview names them all to whoever may delete it.
  const using = state.stacks.filter((stack) => stack.integrationId === params.id);
  return { detachedStacks: using.map((stack) => ({ id: stack.id, name: stack.name })), repositories: groupByRepository(using).map((group) => group.repository) };
}
