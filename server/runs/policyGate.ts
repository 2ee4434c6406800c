// Plan policies in a run's life (docs/design.md §4, R31): the policies that hold for the stack are
// evaluated on the run's structured plan; a `deny` holds the run unconfirmed, and neither a Confirm
// nor autodeploy applies it, until an admin of the stack's space who did not trigger the run
// acknowledges it. The fold (runEvent.ts) holds this for every process, so no request or runner can
// apply a held run; the requests refuse early with the reason (POLICY_DENIED) and the findings.
import { conflict } from '../errors';
import { evaluatePolicies } from '../plans/policies';
import { POLICY_DENIED, type Run, type RunPolicy, type StructuredPlan } from '../protocol';
import { rulesForStack } from '../registry/policies';
import type { RegistryState, StoredStack } from '../registry/state';

/** The verdict of the stack's policies on its run's plan (`pass` with no findings when none are set). */
export function policyForRun(state: RegistryState, stack: Pick<StoredStack, 'id' | 'spaceId'>, plan: StructuredPlan): RunPolicy {
  return evaluatePolicies(plan, rulesForStack(state, stack));
}

/** Whether a deny holds the run: it is not applied, by a Confirm or by autodeploy, until acknowledged. */
export function heldByPolicy(run: Pick<Run, 'policy'>): boolean {
  return run.policy?.verdict === 'deny' && run.policy.acknowledged === undefined;
}

/** Refuses a Confirm of a held run, naming what denies it and what to do. */
export function refuseHeldConfirm(run: Pick<Run, 'id' | 'policy' | 'state'>): void {
  if (!heldByPolicy(run)) return;
  const denies = (run.policy?.findings ?? []).filter((finding) => finding.effect === 'deny');
  const first = denies[0]?.message ?? 'a policy denies its plan';
  throw conflict(
    `The run ${run.id} cannot be confirmed: a plan policy denies it (${first}${denies.length > 1 ? `, and ${denies.length - 1} more` : ''}). ` +
      'An admin of the stack\'s space who did not trigger the run must acknowledge it first (Acknowledge, with a reason).',
    { state: run.state, reason: POLICY_DENIED },
  );
}

/** The people who may not acknowledge their own run: who triggered it by hand. */
export function authorsOf(run: Pick<Run, 'triggeredBy'>): string[] {
  return run.triggeredBy ? [run.triggeredBy] : [];
}
