// R11: what deleting an integration does to its stacks. Apart from stacks.ts, which needs the
// integrations to check them, so that integrations.ts can detach without importing stacks.ts.
import type { RegistryState } from './state';

/** R11: every stack on the integration loses it and remembers where it came from. */
export function detachStacksOf(state: RegistryState, integrationId: string): string[] {
  const ids: string[] = [];
  for (const stack of state.stacks) {
    if (stack.integrationId === integrationId) {
      stack.integrationId = null;
      stack.detachedFrom = integrationId;
      ids.push(stack.id);
    }
  }
  return ids;
}
