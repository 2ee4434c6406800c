// Plan policies evaluated on a structured plan (server/plans/policies.ts): every rule kind, as warn
// and as deny, the verdict they make together, and rules that cannot see every row of a cut plan.
import { strict as assert } from 'node:assert';
import { evaluatePolicies, policyWords, typeMatches, underModule, type SourcedRule } from '../../../server/plans/policies';
import { MAX_POLICY_FINDINGS, type PlanResourceRow, type PolicyRule, type StructuredPlan } from '../../../server/protocol';

const row = (address: string, action: PlanResourceRow['action'], extra: Partial<PlanResourceRow> = {}): PlanResourceRow => {
  const parts = address.split('.');
  const module = parts.length > 2 ? parts.slice(0, -2).join('.') : '';
  const [type = '', name = ''] = parts.slice(-2);
  return { address, module, type, name, action, importing: false, ...extra };
};

export function planOf(resources: PlanResourceRow[], extra: Partial<StructuredPlan> = {}): StructuredPlan {
  const count = (action: string) => resources.filter((r) => r.action === action).length;
  return {
    counts: { add: count('create'), change: count('update'), replace: count('replace'), destroy: count('delete'), import: 0, move: 0, forget: count('forget'), read: 0, drift: 0, outputs: 0, errored: false },
    resources,
    drift: [],
    outputs: [],
    checks: [],
    diagnostics: [],
    truncated: false,
    ...extra,
  };
}

const PLAN = planOf([
  row('aws_db_instance.main', 'delete'),
  row('module.data.aws_s3_bucket.logs', 'delete'),
  row('module.app.aws_instance.web', 'replace', { reason: 'replace_because_cannot_update' }),
  row('module.app.module.net.google_sql_database.users', 'replace'),
  row('module.app.aws_security_group.web', 'update'),
  row('aws_iam_role.ci', 'create'),
  row('aws_iam_role.old', 'no-op'),
]);
const on = (...rules: PolicyRule[]): SourcedRule[] => rules.map((rule) => ({ rule, source: { kind: 'stack', id: 'net' } }));

describe('plan policies: evaluation', () => {
  it('globs match whole types; module prefixes cover nested modules and instances, never a longer name', () => {
    assert.ok(typeMatches('google_sql_*', 'google_sql_database'));
    assert.ok(typeMatches('*_bucket', 'aws_s3_bucket'));
    assert.ok(!typeMatches('*_bucket', 'aws_s3_bucket_policy'));
    assert.ok(!typeMatches('aws_db_instance', 'aws_db_instance_role'));
    assert.ok(typeMatches('aws_?3_bucket', 'aws_s3_bucket'));
    assert.ok(underModule('module.app', 'module.app.module.net'));
    assert.ok(underModule('module.app', 'module.app["eu"]'));
    assert.ok(!underModule('module.app', 'module.application'));
  });

  it('no rules, or rules that find nothing: pass', () => {
    assert.deepEqual(evaluatePolicies(PLAN, []), { verdict: 'pass', findings: [] });
    assert.equal(evaluatePolicies(PLAN, on({ kind: 'maxDestroys', limit: 2, effect: 'deny' }, { kind: 'noDrift', effect: 'deny' })).verdict, 'pass');
  });

  for (const effect of ['warn', 'deny'] as const) {
    it(`maxDestroys (${effect}): more destroys than the limit is one finding`, () => {
      const result = evaluatePolicies(PLAN, on({ kind: 'maxDestroys', limit: 1, effect }));
      assert.equal(result.verdict, effect);
      assert.deepEqual(result.findings.map((f) => [f.rule, f.effect, f.address]), [['maxDestroys', effect, undefined]]);
      assert.match(result.findings[0]?.message ?? '', /destroys 2 resources; at most 1/);
    });

    it(`maxReplaces (${effect}): more replaces than the limit`, () => {
      const result = evaluatePolicies(PLAN, on({ kind: 'maxReplaces', limit: 0, effect }));
      assert.equal(result.verdict, effect);
      assert.match(result.findings[0]?.message ?? '', /replaces 2 resources; at most 0/);
      assert.equal(evaluatePolicies(PLAN, on({ kind: 'maxReplaces', limit: 2, effect })).verdict, 'pass');
    });

    it(`protectedTypes (${effect}): one finding per matching resource and action, on its address`, () => {
      const result = evaluatePolicies(PLAN, on({ kind: 'protectedTypes', types: ['aws_db_instance', 'google_sql_*', '*_bucket'], actions: ['delete', 'replace'], effect }));
      assert.equal(result.verdict, effect);
      assert.deepEqual(result.findings.map((f) => f.address), ['aws_db_instance.main', 'module.data.aws_s3_bucket.logs', 'module.app.module.net.google_sql_database.users']);
      assert.match(result.findings[0]?.message ?? '', /aws_db_instance\.main would be destroyed: resources of type aws_db_instance are protected from delete and replace/);
    });

    it(`protectedTypes (${effect}) only under some modules`, () => {
      const result = evaluatePolicies(PLAN, on({ kind: 'protectedTypes', types: ['*'], actions: ['replace'], modules: ['module.app.module.net'], effect }));
      assert.deepEqual(result.findings.map((f) => f.address), ['module.app.module.net.google_sql_database.users']);
    });

    it(`onlyModules (${effect}): every change outside the modules, nothing for no-op`, () => {
      const result = evaluatePolicies(PLAN, on({ kind: 'onlyModules', modules: ['module.app'], effect }));
      assert.equal(result.verdict, effect);
      assert.deepEqual(result.findings.map((f) => f.address), ['aws_db_instance.main', 'module.data.aws_s3_bucket.logs', 'aws_iam_role.ci']);
    });

    it(`noDrift (${effect}): one finding per drifted resource`, () => {
      const drifted = planOf([], { drift: [{ address: 'aws_instance.web', action: 'update' }] });
      drifted.counts.drift = 1;
      const result = evaluatePolicies(drifted, on({ kind: 'noDrift', effect }));
      assert.equal(result.verdict, effect);
      assert.deepEqual(result.findings.map((f) => f.address), ['aws_instance.web']);
    });
  }

  it('deny wins over warn, and deny findings come first', () => {
    const result = evaluatePolicies(PLAN, on({ kind: 'maxDestroys', limit: 0, effect: 'warn' }, { kind: 'maxReplaces', limit: 0, effect: 'deny' }));
    assert.equal(result.verdict, 'deny');
    assert.deepEqual(result.findings.map((f) => f.effect), ['deny', 'warn']);
    assert.equal(policyWords(result), 'Policy: denied, 2 findings');
    assert.equal(policyWords({ ...result, acknowledged: { by: 'cy', at: 'now', reason: 'planned' } }), 'Policy: denied, 2 findings, acknowledged by cy');
  });

  it('a cut plan: rules about rows say they could not see every row, with their own effect', () => {
    const result = evaluatePolicies({ ...planOf([]), truncated: true }, on({ kind: 'onlyModules', modules: ['module.app'], effect: 'deny' }));
    assert.equal(result.verdict, 'deny');
    assert.match(result.findings[0]?.message ?? '', /more rows than Stackhook keeps/);
  });

  it('findings are bounded, the last one saying how many were left out', () => {
    const many = planOf(Array.from({ length: 450 }, (_, i) => row(`aws_db_instance.db${i}`, 'delete')));
    const result = evaluatePolicies(many, on({ kind: 'protectedTypes', types: ['aws_db_instance'], actions: ['delete'], effect: 'deny' }));
    assert.equal(result.findings.length, MAX_POLICY_FINDINGS + 1);
    assert.match(result.findings.at(-1)?.message ?? '', /^250 more findings not listed/);
  });
});
