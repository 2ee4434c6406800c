// Evaluating plan policies: a structured plan and the rules that hold for its stack give a verdict
// (`pass`, `warn`, `deny`) and findings, one per resource where a rule is about resources. Pure: the
// same plan and rules give the same answer wherever it is asked. Rows of a plan past MAX_PLAN_ROWS
// are not kept, so a rule about resources that cannot see them all says so with a finding of its own
// effect rather than passing what it did not see.
import {
  MAX_POLICY_FINDINGS,
  type PlanResourceRow,
  type PolicyFinding,
  type PolicyRule,
  type PolicySource,
  type PolicyVerdict,
  type RunPolicy,
  type StructuredPlan,
} from '../protocol';

export interface SourcedRule {
  rule: PolicyRule;
  source: PolicySource;
}

/** `*` any run of characters, `?` one; the whole type must match. */
export function typeMatches(glob: string, type: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(type);
}

/** `module.net` covers `module.net`, `module.net.module.vpc` and `module.net["eu"]`, never `module.network`. */
export function underModule(prefix: string, module: string): boolean {
  return module === prefix || module.startsWith(`${prefix}.`) || module.startsWith(`${prefix}[`);
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
const CHANGING = new Set(['create', 'update', 'replace', 'delete', 'forget', 'import', 'move']);
const ACTION_WORDS: Record<string, string> = { create: 'created', update: 'updated', replace: 'replaced', delete: 'destroyed', forget: 'forgotten', import: 'imported', move: 'moved' };

type Found = Omit<PolicyFinding, 'rule' | 'effect' | 'source'>;

function notAllSeen(plan: StructuredPlan, what: string): Found[] {
  return plan.truncated ? [{ message: `The plan has more rows than Stackhook keeps, so ${what} could not be checked on every resource.` }] : [];
}

function findingsOf(plan: StructuredPlan, rule: PolicyRule): Found[] {
  switch (rule.kind) {
    case 'maxDestroys':
      return plan.counts.destroy > rule.limit ? [{ message: `The plan destroys ${plural(plan.counts.destroy, 'resource')}; at most ${rule.limit} may be destroyed in one plan.` }] : [];
    case 'maxReplaces':
      return plan.counts.replace > rule.limit ? [{ message: `The plan replaces ${plural(plan.counts.replace, 'resource')}; at most ${rule.limit} may be replaced in one plan.` }] : [];
    case 'protectedTypes': {
      const protects = (row: PlanResourceRow) =>
        (rule.actions as string[]).includes(row.action) &&
        rule.types.some((glob) => typeMatches(glob, row.type)) &&
        (rule.modules === undefined || rule.modules.some((prefix) => underModule(prefix, row.module)));
      const where = rule.modules ? ` under ${rule.modules.join(', ')}` : '';
      return [
        ...plan.resources.filter(protects).map((row) => ({
          address: row.address,
          message: `${row.address} would be ${ACTION_WORDS[row.action] ?? row.action}: resources of type ${row.type}${where} are protected from ${rule.actions.join(' and ')}.`,
        })),
        ...notAllSeen(plan, 'the protected types'),
      ];
    }
    case 'onlyModules':
      return [
        ...plan.resources
          .filter((row) => CHANGING.has(row.action) && !rule.modules.some((prefix) => underModule(prefix, row.module)))
          .map((row) => ({
            address: row.address,
            message: `${row.address} would be ${ACTION_WORDS[row.action] ?? row.action}, outside the modules this stack may change (${rule.modules.join(', ')}).`,
          })),
        ...notAllSeen(plan, 'which modules change'),
      ];
    case 'noDrift':
      if (plan.counts.drift === 0) return [];
      return plan.drift.length > 0
        ? plan.drift.map((row) => ({ address: row.address, message: `${row.address} changed outside OpenTofu/Terraform (drift).` }))
        : [{ message: `${plural(plan.counts.drift, 'resource')} changed outside OpenTofu/Terraform (drift).` }];
  }
}

/** The verdict: deny if any deny rule found something, else warn if any rule did, else pass. Findings are bounded. */
export function evaluatePolicies(plan: StructuredPlan, rules: readonly SourcedRule[]): RunPolicy {
  const findings: PolicyFinding[] = rules.flatMap(({ rule, source }) => findingsOf(plan, rule).map((found) => ({ rule: rule.kind, effect: rule.effect, source, ...found })));
  // Deny findings first, so the ones that hold the apply up survive the bound.
  findings.sort((a, b) => (a.effect === b.effect ? 0 : a.effect === 'deny' ? -1 : 1));
  const verdict: PolicyVerdict = findings.some((f) => f.effect === 'deny') ? 'deny' : findings.length > 0 ? 'warn' : 'pass';
  if (findings.length <= MAX_POLICY_FINDINGS) return { verdict, findings };
  const kept = findings.slice(0, MAX_POLICY_FINDINGS);
  const left = findings.length - kept.length;
  const last = kept[kept.length - 1] as PolicyFinding;
  kept.push({ rule: last.rule, effect: last.effect, source: last.source, message: `${plural(left, 'more finding')} not listed.` });
  return { verdict, findings: kept };
}

/** "Policy: denied, 2 findings", for the report's data, the comment and the editor. */
export function policyWords(policy: RunPolicy | null | undefined): string {
  if (!policy) return 'Policy: not evaluated';
  const counted = plural(policy.findings.length, 'finding');
  if (policy.verdict === 'pass') return 'Policy: passed';
  if (policy.verdict === 'warn') return `Policy: warned, ${counted}`;
  return policy.acknowledged ? `Policy: denied, ${counted}, acknowledged by ${policy.acknowledged.by}` : `Policy: denied, ${counted}`;
}
