// Stack and space variables: which reach a stack's runs, who may read and change them, and the
// names refused. A space's variables reach the stacks of that space, and of a descendant space when
// every space on the way down to it inherits entities (as integrations do, R4); a variable nearer
// the stack wins, and a stack's own wins over every space's. Reading names needs read on the space;
// setting or deleting needs write, and admin for a secret one (or to turn one into or out of a secret).
import { invalid, notFound } from '../errors';
import { reservedVariableReason, MAX_VARIABLES, type Variable } from '../protocol';
import { requireRole } from './access';
import { pathToRoot } from './spaces';
import type { RegistryState, StoredVariable } from './state';

export type VariableOwner = { scope: 'stack' | 'space'; id: string };

const ownedBy = (owner: VariableOwner) => (variable: StoredVariable) => variable.scope === owner.scope && variable.ownerId === owner.id;

/**
 * The spaces whose variables reach a stack (or a space's own listing) in `spaceId`, nearest first:
 * the space itself, then each ancestor as long as every space below it on the way inherits.
 */
export function reachingSpaces(state: RegistryState, spaceId: string): string[] {
  const path = pathToRoot(state, spaceId);
  const reaching: string[] = [];
  for (const space of path) {
    reaching.push(space.id);
    // The parent's variables reach here only if this space inherits.
    if (!space.inheritEntities) break;
  }
  return reaching;
}

/**
 * The variables that reach a run of the stack, in the order its environment is built: the spaces'
 * first (farthest first), then the stack's own; a later one of the same name wins.
 */
export function variablesOfStack(state: RegistryState, stackId: string, spaceId: string): StoredVariable[] {
  const spaces = reachingSpaces(state, spaceId).reverse();
  const ordered: StoredVariable[] = [];
  for (const space of spaces) ordered.push(...state.variables.filter(ownedBy({ scope: 'space', id: space })));
  ordered.push(...state.variables.filter(ownedBy({ scope: 'stack', id: stackId })));
  const byName = new Map<string, StoredVariable>();
  for (const variable of ordered) {
    byName.delete(variable.name);
    byName.set(variable.name, variable);
  }
  return [...byName.values()];
}

/** A listing: the inherited ones (from `spaces`, farthest first) then the owner's own, each as the protocol shows it. */
export function listVariables(state: RegistryState, owner: VariableOwner, inheritedSpaces: readonly string[]): Variable[] {
  const own = state.variables.filter(ownedBy(owner));
  const ownNames = new Set(own.map((variable) => variable.name));
  const rows: Variable[] = [];
  const seen = new Map<string, Variable>();
  for (const spaceId of [...inheritedSpaces].reverse()) {
    for (const variable of state.variables.filter(ownedBy({ scope: 'space', id: spaceId }))) {
      const earlier = seen.get(variable.name);
      if (earlier) earlier.overridden = true;
      const row: Variable = { ...shown(variable), inherited: true, inheritedFrom: spaceId, ...(ownNames.has(variable.name) ? { overridden: true } : {}) };
      seen.set(variable.name, row);
      rows.push(row);
    }
  }
  return [...rows, ...own.map(shown)];
}

function shown(variable: StoredVariable): Variable {
  return { name: variable.name, secret: variable.secret, ...(variable.secret ? {} : { value: variable.value ?? '' }), updatedAt: variable.updatedAt };
}

/** Who may set or delete: write on the space, admin when the variable is (or becomes) secret. */
export function requireVariableChange(state: RegistryState, user: string, spaceId: string, secret: boolean, action: string): void {
  requireRole(state, user, spaceId, secret ? 'admin' : 'write', action);
}

/** Sets a variable in the draft (a secret one without its value) and answers it as listed. */
export function setVariable(state: RegistryState, owner: VariableOwner, input: { name: string; value: string; secret: boolean }, now: string): Variable {
  const reason = reservedVariableReason(input.name);
  if (reason !== null) throw invalid(`The variable name ${input.name} is reserved: ${reason}.`).about('name');
  const own = state.variables.filter(ownedBy(owner));
  const existing = own.find((variable) => variable.name === input.name);
  if (!existing && own.length >= MAX_VARIABLES) throw invalid(`A ${owner.scope} has at most ${MAX_VARIABLES} variables: delete one first.`).about('name');
  const stored: StoredVariable = { scope: owner.scope, ownerId: owner.id, name: input.name, secret: input.secret, ...(input.secret ? {} : { value: input.value }), updatedAt: now };
  state.variables = [...state.variables.filter((variable) => variable !== existing), stored];
  return shown(stored);
}

export function findVariable(state: RegistryState, owner: VariableOwner, name: string): StoredVariable | undefined {
  return state.variables.find((variable) => ownedBy(owner)(variable) && variable.name === name);
}

/** Removes a variable from the draft; NotFound when the owner has none of that name. */
export function deleteVariable(state: RegistryState, owner: VariableOwner, name: string): StoredVariable {
  const existing = findVariable(state, owner, name);
  if (!existing) throw notFound(`The ${owner.scope} ${owner.id} has no variable ${name} of its own${owner.scope === 'stack' ? ' (one inherited from a space is deleted on that space)' : ''}.`);
  state.variables = state.variables.filter((variable) => variable !== existing);
  return existing;
}

/** The variables of an owner that goes away (a deleted stack): removed from the draft, answered so their secrets go too. */
export function dropVariablesOf(state: RegistryState, owner: VariableOwner): StoredVariable[] {
  const dropped = state.variables.filter(ownedBy(owner));
  if (dropped.length > 0) state.variables = state.variables.filter((variable) => !ownedBy(owner)(variable));
  return dropped;
}

