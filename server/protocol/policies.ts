// Plan policies as they cross the wire: a small declarative rule set per space or stack (not a policy
// language), what a plan's evaluation against them finds, and what is kept on a run (docs/design.md
// §4, plan policies). Every list is bounded: rules are written by people with write access, findings
// come from plans whose text is untrusted.
import * as z from 'zod';
import { MAX_PLAN_ADDRESS } from './plan';

export const MAX_POLICY_RULES = 50;
export const MAX_POLICY_PATTERNS = 50;
/** Findings kept on a run; past it the last finding says how many were left out. */
export const MAX_POLICY_FINDINGS = 200;
export const MAX_ACK_REASON = 1_000;
/** `data.reason` of a Confirm refused because a plan policy denies the run and nobody acknowledged it yet. */
export const POLICY_DENIED = 'policy-denied';

export const PolicyEffect = z.enum(['warn', 'deny']);
export type PolicyEffect = z.infer<typeof PolicyEffect>;

/** `aws_db_instance`, `google_sql_*`, `*_bucket`: a resource type, `*` for any run of characters and `?` for one. */
const TypeGlob = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[A-Za-z0-9_*?-]+$/, 'may hold only letters, digits, "_", "-" and the wildcards "*" and "?"');
/** `module.network`, `module.app["eu"]`: a module address; it covers that module and every module inside it. */
const ModulePrefix = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_PLAN_ADDRESS)
  .regex(/^module\./, 'must be a module address, starting with "module."');
/** What a plan may do to a resource that protectedTypes can name (reading and doing nothing are never protected against). */
export const ProtectedAction = z.enum(['create', 'update', 'replace', 'delete', 'forget', 'import', 'move']);
export type ProtectedAction = z.infer<typeof ProtectedAction>;
const Limit = z.number().int().min(0).max(1_000_000);

export const MaxDestroysRule = z.strictObject({ kind: z.literal('maxDestroys'), limit: Limit, effect: PolicyEffect });
export const MaxReplacesRule = z.strictObject({ kind: z.literal('maxReplaces'), limit: Limit, effect: PolicyEffect });
export const ProtectedTypesRule = z.strictObject({
  kind: z.literal('protectedTypes'),
  types: z.array(TypeGlob).min(1).max(MAX_POLICY_PATTERNS),
  actions: z.array(ProtectedAction).min(1).max(ProtectedAction.options.length),
  modules: z.array(ModulePrefix).min(1).max(MAX_POLICY_PATTERNS).optional(),
  effect: PolicyEffect,
});
export const OnlyModulesRule = z.strictObject({
  kind: z.literal('onlyModules'),
  modules: z.array(ModulePrefix).min(1).max(MAX_POLICY_PATTERNS),
  effect: PolicyEffect,
});
export const NoDriftRule = z.strictObject({ kind: z.literal('noDrift'), effect: PolicyEffect });

export const PolicyRule = z.discriminatedUnion('kind', [MaxDestroysRule, MaxReplacesRule, ProtectedTypesRule, OnlyModulesRule, NoDriftRule]);
export type PolicyRule = z.infer<typeof PolicyRule>;
export type PolicyRuleKind = PolicyRule['kind'];
export const POLICY_RULE_KINDS = PolicyRule.options.map((option) => option.shape.kind.value) as PolicyRuleKind[];

export const PolicyRules = z.array(PolicyRule).max(MAX_POLICY_RULES);

/** Where a rule is set: a space (and, by inheritance, the spaces below it) or one stack. */
export const PolicySource = z.object({
  kind: z.enum(['space', 'stack']),
  /** null for a space above the user's sight, whose rules still hold for the stack. */
  id: z.string().nullable(),
});
export type PolicySource = z.infer<typeof PolicySource>;

export const ListedPolicyRule = z.object({ rule: PolicyRule, source: PolicySource, inherited: z.boolean() });
export type ListedPolicyRule = z.infer<typeof ListedPolicyRule>;

export const PolicyList = z.object({
  /** The rules that hold there: its own, then those inherited from the spaces above, nearest first. */
  rules: z.array(ListedPolicyRule),
  /** Whether the user may set warn rules here, and deny rules (so the editor offers only what it may). */
  canSetWarn: z.boolean(),
  canSetDeny: z.boolean(),
});
export type PolicyList = z.infer<typeof PolicyList>;

export const PolicyVerdict = z.enum(['pass', 'warn', 'deny']);
export type PolicyVerdict = z.infer<typeof PolicyVerdict>;

export const PolicyFinding = z.object({
  /** The rule's kind. */
  rule: z.string().max(64),
  effect: PolicyEffect,
  source: PolicySource,
  /** The resource the finding is about, when it is about one. */
  address: z.string().max(MAX_PLAN_ADDRESS).optional(),
  message: z.string().max(1_000),
});
export type PolicyFinding = z.infer<typeof PolicyFinding>;

export const PolicyAcknowledgement = z.object({ by: z.string(), at: z.string(), reason: z.string().max(MAX_ACK_REASON) });
export type PolicyAcknowledgement = z.infer<typeof PolicyAcknowledgement>;

/** What the policies said of a run's plan, kept with the run; null when the run had no structured plan. */
export const RunPolicy = z.object({
  verdict: PolicyVerdict,
  findings: z.array(PolicyFinding).max(MAX_POLICY_FINDINGS + 1),
  acknowledged: PolicyAcknowledgement.optional(),
});
export type RunPolicy = z.infer<typeof RunPolicy>;
