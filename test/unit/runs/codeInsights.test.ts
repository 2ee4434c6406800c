// The Code Insights reporter against the fake Bitbucket (which holds Bitbucket's limits and checks
// every body against the OpenAPI document): each fixture plan gives a report whose counts match its
// plan and annotations on the right file and line of its .tf files, modules included; 1,500 changes
// give exactly 1,000 annotations in 10 POSTs, destroys first; a rerun on the same commit leaves one
// report and nothing of the older run; a refused report leaves the run as it was, with `insights:
// failed` and the reason; PENDING while the run works.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { Logger } from '../../../server/log';
import { locatePlan } from '../../../server/plans/resourceLocations';
import { readStructuredPlan } from '../../../server/plans/structuredPlan';
import type { PlanResourceRow, Run, RunPolicy, StructuredPlan } from '../../../server/protocol';
import type { StoredStack } from '../../../server/registry/state';
import type { RunBook } from '../../../server/runs/runBook';
import type { RunPlans } from '../../../server/store/storeEngine';
import { codeInsightsReporter } from '../../../server/runs/reporters/codeInsights';
import { insightsReportId } from '../../../server/runs/reporters/insightsReport';
import type { ReportContext } from '../../../server/runs/reporters/reporter';
import { Endpoints, REQUIRED_SCOPES } from '../../../server/bitbucket/endpoints';
import { RUNNER_KINDS } from '../../../server/runs/runners/runnerKinds';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { BookStub, runOf } from '../../support/reportBook';
import { clientFor, type Client } from '../fakeBitbucket/client';

const FIXTURES = path.join(__dirname, '../../../../shared/fixtures/terraform');
const TOKEN = 'ATATT3xFfGF0-insights-reporter';
const PUT = '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}';
const POST = `${PUT}/annotations`;

const STACK: StoredStack = {
  id: 'net', name: 'net', spaceId: 'root', integrationId: 'main', detachedFrom: null, repository: 'acme/net', branch: 'main', projectRoot: '', createdAt: 'now',
  runner: { type: 'local', tool: 'opentofu' } as StoredStack['runner'],
};

describe('runs: the Code Insights reporter', function () {
  this.timeout(60_000);
  let bitbucket: FakeBitbucket;
  let client: Client;
  let book: BookStub;
  let plans: Map<string, StructuredPlan>;
  let context: ReportContext;
  const gateway = () => createBitbucketGateway(bitbucket.url, new Logger(() => undefined), settingsFromEnv({}));

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/net');
    client = clientFor(bitbucket, 'ana@example.com', TOKEN);
  });
  after(() => bitbucket?.stop());
  beforeEach(() => {
    book = new BookStub();
    plans = new Map();
    context = {
      gateway: gateway(),
      book: book as unknown as RunBook,
      credential: { username: 'ana@example.com', secret: TOKEN, credentialType: 'api_token' },
      stack: STACK,
      runLink: (run) => `https://stackhook.example.com/runs/${run.id}`,
      retryDelayMs: 1,
      fence: 1,
      attached: async () => true,
      runPlans: { get: async (runId: string) => plans.get(runId) ?? null } as unknown as RunPlans,
    };
  });

  const reportAt = async (commit: string) => (await client.get(`/repositories/acme/net/commit/${commit}/reports/${insightsReportId('net')}`)).json;
  const annotationsAt = async (commit: string) => (await client.all(`/repositories/acme/net/commit/${commit}/reports/${insightsReportId('net')}/annotations?pagelen=100`)).values;

  /** A run that planned `plan`: PENDING when it starts, the report when it ends. */
  async function planned(runId: string, commit: string, plan: StructuredPlan, policy: RunPolicy | null = null, state: Run['state'] = 'finished'): Promise<Run> {
    const run = runOf(runId, commit);
    book.runs.set(runId, run);
    await codeInsightsReporter.report(context, runId, 'started');
    plans.set(runId, plan);
    Object.assign(run, { state, endedAt: '2026-12-07T10:00:42.000Z', plan: plan.counts, policy });
    await codeInsightsReporter.report(context, runId, 'ended');
    return run;
  }

  it('PENDING while the run works, then PASSED with the counts as data fields (at most 10) and the plan line', async () => {
    const commit = 'a1'.padEnd(40, '0');
    const run = runOf('r-pending', commit);
    book.runs.set(run.id, run);
    await codeInsightsReporter.report(context, run.id, 'started');
    assert.equal((await reportAt(commit)).result, 'PENDING');
    assert.equal(run.reports.insights, 'pending');
    const plan = await readStructuredPlan(path.join(FIXTURES, 'opentofu-show-json/requires-replace/output.json'));
    plans.set(run.id, plan);
    Object.assign(run, { state: 'finished', endedAt: '2026-12-07T10:00:42.000Z', plan: plan.counts });
    await codeInsightsReporter.report(context, run.id, 'ended');
    const report = await reportAt(commit);
    assert.equal(report.result, 'PASSED');
    assert.equal(report.reporter, 'Stackhook');
    assert.equal(report.title, 'Stackhook net (proposed plan)');
    assert.match(report.details, /^Plan: 1 to add, 0 to change, 1 to destroy\. Policy: not evaluated\./);
    const data = Object.fromEntries(report.data.map((d: { title: string; value: unknown }) => [d.title, d.value]));
    assert.deepEqual([data['To add'], data['To change'], data['To replace'], data['To destroy'], data.Drift, data.Duration], [0, 0, 1, 0, 0, 42_000]);
    assert.ok(report.data.length <= 10);
    assert.equal(run.reports.insights, 'posted');
  });

  it('every fixture: counts match the plan, and each destroy, replace and forget is annotated on its resource line', async () => {
    let index = 0;
    let annotated = 0;
    for (const set of ['opentofu-show-json', 'terraform-json']) {
      for (const name of readdirSync(path.join(FIXTURES, set))) {
        const dir = path.join(FIXTURES, set, name);
        for (const file of readdirSync(dir).filter((f) => /^(output|plan)\.json$/.test(f))) {
          let plan: StructuredPlan;
          try {
            plan = await locatePlan(await readStructuredPlan(path.join(dir, file)), dir, '');
          } catch {
            continue; // Not a plan (plan-error's output is an error document).
          }
          const commit = `c${index++}`.padEnd(40, '0');
          await planned(`r-${set}-${name}`, commit, plan);
          const report = await reportAt(commit);
          const data = Object.fromEntries(report.data.map((d: { title: string; value: unknown }) => [d.title, d.value]));
          assert.deepEqual([data['To add'], data['To change'], data['To replace'], data['To destroy'], data.Drift], [plan.counts.add, plan.counts.change, plan.counts.replace, plan.counts.destroy, plan.counts.drift], `${set}/${name}`);
          const annotations = await annotationsAt(commit);
          const expected = plan.resources.filter((row) => ['delete', 'replace', 'forget'].includes(row.action));
          assert.equal(annotations.length, expected.length + plan.diagnostics.filter((d) => d.file && d.line).length, `${set}/${name}: annotations`);
          for (const row of expected) {
            const annotation = annotations.find((a: { summary: string }) => a.summary.startsWith(`${row.address} `));
            assert.ok(annotation, `${set}/${name}: ${row.address} is annotated`);
            assert.equal(annotation.severity, 'HIGH');
            if (!row.location?.line) continue;
            const line = readFileSync(path.join(dir, annotation.path), 'utf8').split('\n')[annotation.line - 1];
            assert.match(line ?? '', new RegExp(`^\\s*(resource\\s+"${row.type}"\\s+"${row.name}"|module\\s+")`), `${set}/${name}: ${row.address} on ${annotation.path}:${annotation.line}`);
            annotated += 1;
          }
        }
      }
    }
    // The fixtures destroy and replace little (most resources they plan are created); test/unit/plans/resourceLocations.test.ts places every row.
    assert.ok(annotated >= 1, `${annotated} annotations checked on their lines`);
  });

  it('1,500 changes: exactly 1,000 annotations in 10 POSTs, destroys first, then replaces; the details count the 500 left out', async () => {
    const rows: PlanResourceRow[] = [
      ...Array.from({ length: 600 }, (_, i) => ({ address: `aws_instance.re${i}`, module: '', type: 'aws_instance', name: `re${i}`, action: 'replace' as const, reason: 'replace_because_cannot_update', replacePaths: [['ami']], importing: false, location: { path: 'main.tf', line: i + 1 } })),
      ...Array.from({ length: 900 }, (_, i) => ({ address: `aws_s3_bucket.gone${i}`, module: '', type: 'aws_s3_bucket', name: `gone${i}`, action: 'delete' as const, importing: false, location: { path: 'main.tf', line: i + 1 } })),
    ];
    const plan: StructuredPlan = {
      counts: { add: 0, change: 0, replace: 600, destroy: 900, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false },
      resources: [...rows.filter((r) => r.action === 'replace'), ...rows.filter((r) => r.action === 'delete')],
      drift: [], outputs: [], checks: [], diagnostics: [], truncated: false,
    };
    const commit = 'b2'.padEnd(40, '0');
    const mark = bitbucket.mark();
    await planned('r-big', commit, plan);
    assert.equal(bitbucket.countSince(mark, 'POST', POST), 10, '⌈1,000/100⌉ POSTs');
    assert.equal(bitbucket.countSince(mark, 'PUT', PUT), 2, 'PENDING, then the report');
    assert.equal(bitbucket.countSince(mark, 'DELETE', PUT), 0, 'nothing to replace on a new commit');
    const annotations = await annotationsAt(commit);
    assert.equal(annotations.length, 1_000);
    assert.ok(annotations.slice(0, 900).every((a: { summary: string }) => a.summary.includes(' destroyed')), 'the 900 destroys first, though the plan listed replaces first');
    assert.ok(annotations.slice(900).every((a: { summary: string }) => /replaced: ami cannot be updated in place$/.test(a.summary)), 'then replaces');
    assert.match((await reportAt(commit)).details, /500 more annotations were left out/);
  });

  it('a rerun of the stack on the same commit replaces the report: one DELETE, one report, nothing of the older run', async () => {
    const commit = 'd3'.padEnd(40, '0');
    const row = (address: string, action: PlanResourceRow['action']): PlanResourceRow => ({ address, module: '', type: 'aws_instance', name: address.split('.')[1] as string, action, importing: false });
    const first: StructuredPlan = { counts: { add: 0, change: 0, replace: 0, destroy: 2, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false }, resources: [row('aws_instance.a', 'delete'), row('aws_instance.b', 'delete')], drift: [], outputs: [], checks: [], diagnostics: [], truncated: false };
    await planned('r-first', commit, first);
    const second: StructuredPlan = { ...first, counts: { ...first.counts, destroy: 1 }, resources: [row('aws_instance.c', 'delete')] };
    const mark = bitbucket.mark();
    await planned('r-second', commit, second);
    assert.equal(bitbucket.countSince(mark, 'DELETE', PUT), 1);
    const listed = (await client.get(`/repositories/acme/net/commit/${commit}/reports`)).json.values;
    assert.deepEqual(listed.map((r: { external_id: string }) => r.external_id), ['stackhook-net'], 'one report');
    assert.deepEqual((await annotationsAt(commit)).map((a: { summary: string }) => a.summary.split(' ')[0]), ['aws_instance.c'], "nothing left of the older run's annotations");
  });

  it('a refused report (a token without the scope) never fails the run: insights failed, with the reason naming the scope', async () => {
    bitbucket.world.addUser({ email: 'bo@example.com', token: 'ATATT3xFfGF0-narrow', scopes: ['read:user:bitbucket'], workspaces: { acme: 'member' } });
    context.credential = { username: 'bo@example.com', secret: 'ATATT3xFfGF0-narrow', credentialType: 'api_token' };
    const commit = 'e4'.padEnd(40, '0');
    const plan = await readStructuredPlan(path.join(FIXTURES, 'opentofu-show-json/basic-delete/output.json'));
    const run = await planned('r-refused', commit, plan);
    assert.equal(run.state, 'finished', 'the run is as it was');
    assert.equal(run.reports.insights, 'failed');
    assert.match(run.reports.insightsReason ?? '', /read:repository:bitbucket/);
    assert.equal(run.reports.insightsReason?.includes('ATATT3xFfGF0-narrow'), false, 'the reason names no secret');
  });

  it('the scopes the reports endpoints need (read:repository, as the OpenAPI document names them) are ones Test Connection and every runner check ask for', () => {
    for (const endpoint of [Endpoints.putInsightsReport, Endpoints.deleteInsightsReport, Endpoints.postInsightsAnnotations]) {
      assert.ok(REQUIRED_SCOPES.includes(endpoint.scope), `${endpoint.scope} in what Test Connection checks`);
      for (const [type, kind] of Object.entries(RUNNER_KINDS)) assert.ok(kind.scopes.includes(endpoint.scope), `${endpoint.scope} in the ${type} runner check`);
    }
  });

  it('a policy deny makes the report FAILED, its findings annotations (CRITICAL on the resource), and the data say it', async () => {
    const commit = 'f5'.padEnd(40, '0');
    const plan = await locatePlan(await readStructuredPlan(path.join(FIXTURES, 'opentofu-show-json/requires-replace/output.json')), path.join(FIXTURES, 'opentofu-show-json/requires-replace'), '');
    const policy: RunPolicy = { verdict: 'deny', findings: [{ rule: 'maxReplaces', effect: 'deny', source: { kind: 'stack', id: 'net' }, address: 'test_instance.test', message: 'replaced, and at most 0 may be' }, { rule: 'noDrift', effect: 'warn', source: { kind: 'space', id: 'root' }, message: 'drift' }] };
    await planned('r-deny', commit, plan, policy);
    const report = await reportAt(commit);
    assert.equal(report.result, 'FAILED');
    assert.equal(report.data.find((d: { title: string }) => d.title === 'Policy').value, 'denied, 2 findings');
    const annotations = await annotationsAt(commit);
    assert.deepEqual(annotations.map((a: { severity: string }) => a.severity), ['CRITICAL', 'CRITICAL', 'MEDIUM'], 'the replace flagged by a deny, the deny finding, the warning');
    assert.deepEqual([annotations[1].path, annotations[1].line], ['main.tf', 1], "the finding on its resource's line");
  });
});
