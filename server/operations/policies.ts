// The plan policy requests: set, list and delete the rules of a stack or a space. Who may do what is
// registry/policies.ts's (R30); rules are checked by their schema at the door, before anything is read.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { deletePolicies as removeRules, listPolicies as rulesAt, requirePolicyPlace, setPolicies as replaceRules } from '../registry/policies';

export async function listPolicies(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.PoliciesList>): Promise<Protocol.PolicyList> {
  const state = await context.store.read();
  return rulesAt(state, context.user, requirePolicyPlace(state, context.user, params));
}

export async function setPolicies(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.PoliciesSet>): Promise<Protocol.PolicyList> {
  const { rules, ...target } = params;
  const listed = await context.store.update((draft) => {
    const place = requirePolicyPlace(draft, context.user, target);
    replaceRules(draft, context.user, place, rules, context.now().toISOString());
    return rulesAt(draft, context.user, place);
  });
  context.changed(['policies']);
  return listed;
}

export async function deletePolicies(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.PoliciesDelete>): Promise<Record<string, never>> {
  await context.store.update((draft) => removeRules(draft, context.user, requirePolicyPlace(draft, context.user, params)));
  context.changed(['policies']);
  return {};
}
