// Plan policies in the registry: which rules a space or a stack sets, which hold for a stack (its
// own and those of the spaces above it, inherited as integrations are, R4), and who may change them.
// Writers set warn rules; a deny rule holds up an apply until an admin acknowledges it, so setting
// one, and replacing or deleting rules that hold one, is admin's (R30).
import { forbidden, notFound } from '../errors';
import type { ListedPolicyRule, PolicyRule, PolicySource } from '../protocol';
import { canSeeSpace, hasRole, requireRole, requireVisibleStack } from './access';
import { findSpace, pathToRoot } from './spaces';
import type { RegistryState, StoredPolicySet } from './state';

/** Where policies are set, as the protocol's params name it. */
export type PolicyTarget = { stackId: string } | { spaceId: string };

export interface PolicyPlace {
  kind: 'space' | 'stack';
  id: string;
  /** The space whose roles decide who may change them: the space itself, or the stack's. */
  spaceId: string;
  name: string;
}

/** The space or stack the params name, if the user can see it (what they cannot see is absent). */
export function requirePolicyPlace(state: RegistryState, user: string, target: PolicyTarget): PolicyPlace {
  if ('stackId' in target) {
    const stack = requireVisibleStack(state, user, target.stackId);
    return { kind: 'stack', id: stack.id, spaceId: stack.spaceId, name: stack.name };
  }
  const space = findSpace(state, target.spaceId);
  if (!space || !canSeeSpace(state, user, space.id)) throw notFound(`There is no space "${target.spaceId}" that ${user} can see. List spaces to see their ids.`);
  return { kind: 'space', id: space.id, spaceId: space.id, name: space.name };
}

export function policySetOf(state: RegistryState, place: Pick<PolicyPlace, 'kind' | 'id'>): StoredPolicySet | undefined {
  return (state.policies ?? []).find((set) => set.kind === place.kind && set.id === place.id);
}

const hasDeny = (rules: readonly PolicyRule[]) => rules.some((rule) => rule.effect === 'deny');

/**
 * R30: write on the place's space for warn rules; admin when the new rules deny anything or the
 * rules they replace did (a writer must not lift an admin's deny by replacing it with a warning).
 */
export function requirePolicyChange(state: RegistryState, user: string, place: PolicyPlace, next: readonly PolicyRule[], action: string): void {
  const current = policySetOf(state, place)?.rules ?? [];
  const needsAdmin = hasDeny(next) || hasDeny(current);
  const what = `${action} of the ${place.kind} "${place.name}"`;
  requireRole(state, user, place.spaceId, needsAdmin ? 'admin' : 'write', what);
}

/** Replaces the place's rules (no rules removes its set); returns nothing, the caller lists them again. */
export function setPolicies(state: RegistryState, user: string, place: PolicyPlace, rules: PolicyRule[], at: string): void {
  requirePolicyChange(state, user, place, rules, 'Setting the policies');
  const others = (state.policies ?? []).filter((set) => !(set.kind === place.kind && set.id === place.id));
  state.policies = rules.length === 0 ? others : [...others, { kind: place.kind, id: place.id, rules, setBy: user, setAt: at }];
}

export function deletePolicies(state: RegistryState, user: string, place: PolicyPlace): void {
  requirePolicyChange(state, user, place, [], 'Deleting the policies');
  if (!policySetOf(state, place)) throw notFound(`The ${place.kind} "${place.name}" has no policies of its own.`);
  state.policies = (state.policies ?? []).filter((set) => !(set.kind === place.kind && set.id === place.id));
}

/**
 * The spaces whose rules a place inherits, nearest first: like a space-level integration (R4), a
 * space's rules hold in a space below it when every space on the way down, that one included,
 * inherits entities. A stack inherits its own space's rules always.
 */
function inheritingSpaces(state: RegistryState, place: Pick<PolicyPlace, 'kind' | 'spaceId'>): string[] {
  const path = pathToRoot(state, place.spaceId);
  // A stack holds to its own space's rules; a space's own rules are its own, not inherited.
  const spaces = place.kind === 'stack' && path[0] ? [path[0].id] : [];
  for (let index = 1; index < path.length; index += 1) {
    const below = path[index - 1];
    const space = path[index];
    if (!below || !space || !below.inheritEntities) break;
    spaces.push(space.id);
  }
  return spaces;
}

/** Every rule that holds for a stack, with where it is set: the stack's own, then its space's, then the spaces above. */
export function rulesForStack(state: RegistryState, stack: { id: string; spaceId: string }): { rule: PolicyRule; source: PolicySource }[] {
  const own = (policySetOf(state, { kind: 'stack', id: stack.id })?.rules ?? []).map((rule) => ({ rule, source: { kind: 'stack' as const, id: stack.id } }));
  const inherited = inheritingSpaces(state, { kind: 'stack', spaceId: stack.spaceId }).flatMap((spaceId) =>
    (policySetOf(state, { kind: 'space', id: spaceId })?.rules ?? []).map((rule) => ({ rule, source: { kind: 'space' as const, id: spaceId } })),
  );
  return [...own, ...inherited];
}

/** The rules that hold at a place, for `user`: its own first, then inherited ones, marked; a space above the user's sight is not named. */
export function listPolicies(state: RegistryState, user: string, place: PolicyPlace): { rules: ListedPolicyRule[]; canSetWarn: boolean; canSetDeny: boolean } {
  const own = (policySetOf(state, place)?.rules ?? []).map((rule) => ({ rule, source: { kind: place.kind, id: place.id }, inherited: false }));
  const inherited = inheritingSpaces(state, place).flatMap((spaceId) =>
    (policySetOf(state, { kind: 'space', id: spaceId })?.rules ?? []).map((rule) => ({
      rule,
      source: { kind: 'space' as const, id: canSeeSpace(state, user, spaceId) ? spaceId : null },
      inherited: true,
    })),
  );
  const current = policySetOf(state, place)?.rules ?? [];
  const admin = hasRole(state, user, place.spaceId, 'admin');
  return { rules: [...own, ...inherited], canSetWarn: admin || (!hasDeny(current) && hasRole(state, user, place.spaceId, 'write')), canSetDeny: admin };
}

/** Removes the policies of a stack that no longer exists (kept tidy by stack deletion). */
export function forgetStackPolicies(state: RegistryState, stackId: string): void {
  if (!state.policies) return;
  state.policies = state.policies.filter((set) => !(set.kind === 'stack' && set.id === stackId));
}

/** A refusal for acknowledging a run, in one place with the other policy rules (R31). */
export function requireAcknowledger(state: RegistryState, user: string, stack: { spaceId: string; name: string }, authors: readonly string[]): void {
  if (!hasRole(state, user, stack.spaceId, 'admin')) {
    throw forbidden(`Acknowledging a run a policy denies needs admin on the space "${stack.spaceId}" of the stack "${stack.name}", which ${user} does not have. Ask an admin of that space.`);
  }
  if (authors.includes(user)) {
    throw forbidden(`${user} triggered or authored this run of "${stack.name}", and cannot acknowledge their own run's denied plan. Ask another admin of the space "${stack.spaceId}".`);
  }
}
