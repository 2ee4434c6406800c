// Code Insights reports and annotations, with Bitbucket's limits held exactly (100 annotations per
// POST, 1,000 per report, 10 data fields, the enums, a 450-character summary) and the OpenAPI
// document's schemas: a refused body gets Bitbucket's 400 error and changes nothing.
import { strict as assert } from 'node:assert';
import { ALL_SCOPES, CODE_INSIGHTS_LIMITS, startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { openApi } from '../../support/openapiDocument';
import { clientFor, type Client } from './client';

const COMMIT = 'c0ffee'.padEnd(40, '0');
const REPORTS = `/repositories/acme/net/commit/${COMMIT}/reports`;

const report = (overrides: Record<string, unknown> = {}) => ({
  title: 'OpenTofu plan',
  details: '2 to add, 1 to destroy',
  report_type: 'BUG',
  reporter: 'Stackhook',
  result: 'FAILED',
  link: 'https://stackhook.example.com/runs/1',
  data: [
    { title: 'Safe to apply?', type: 'BOOLEAN', value: false },
    { title: 'Planned', type: 'DATE', value: 1_790_000_000_000 },
    { title: 'Duration', type: 'DURATION', value: 14_000 },
    { title: 'Run', type: 'LINK', value: { text: 'run 1', href: 'https://stackhook.example.com/runs/1' } },
    { title: 'To add', type: 'NUMBER', value: 2 },
    { title: 'Drift', type: 'PERCENTAGE', value: 12.5 },
    { title: 'Stack', type: 'TEXT', value: 'net' },
    { title: 'Destroys', value: 1 },
    { title: 'Workspace', value: 'prod' },
    { title: 'Locked', value: true },
  ],
  ...overrides,
});

const annotation = (id: string, overrides: Record<string, unknown> = {}) => ({
  external_id: id,
  annotation_type: 'BUG',
  summary: `aws_instance.${id} will be destroyed`,
  severity: 'HIGH',
  path: 'main.tf',
  line: 3,
  ...overrides,
});

const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => annotation(`a${from + i}`));

describe('fake Bitbucket: Code Insights reports and annotations', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let client: Client;
  const refusedWith = (answer: { status: number; json: any }, pattern: RegExp) => {
    assert.equal(answer.status, 400, JSON.stringify(answer.json));
    assert.equal(answer.json.type, 'error');
    assert.match(answer.json.error.message, pattern);
    assert.equal(answer.json.key, 'report-service.general.bad-request', "the report service's own code is there too");
    assert.equal(answer.json.message, answer.json.error.message);
  };

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: 'ATATT3xFfGF0-insights', scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/net');
    client = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-insights');
  });
  after(() => bitbucket?.stop());

  it('PUT creates a report (all ten data fields, every type) and PUT again replaces it; GET by external id or uuid', async () => {
    const created = await client.send('PUT', `${REPORTS}/stackhook-net`, report());
    assert.equal(created.status, 200);
    assert.deepEqual([created.json.type, created.json.external_id, created.json.title, created.json.data.length], ['report', 'stackhook-net', 'OpenTofu plan', 10]);
    assert.match(created.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    const replaced = await client.send('PUT', `${REPORTS}/stackhook-net`, report({ result: 'PASSED', data: [] }));
    assert.deepEqual([replaced.json.uuid, replaced.json.result, replaced.json.data.length], [created.json.uuid, 'PASSED', 0]);
    const byUuid = await client.get(`${REPORTS}/${encodeURIComponent(created.json.uuid)}`);
    assert.equal(byUuid.json.external_id, 'stackhook-net');
    const listed = await client.get(REPORTS);
    assert.deepEqual(listed.json.values.map((r: any) => r.external_id), ['stackhook-net']);
  });

  it('a report with 11 data fields, an unknown enum, a missing title or a wrong data value is refused and changes nothing', async () => {
    const eleven = report({ data: [...report().data, { title: 'One more', value: 1 }] });
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, eleven), /at most 10 data fields/);
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ report_type: 'PLAN' })), /report_type must be one of SECURITY, COVERAGE, TEST, BUG/);
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ result: 'SKIPPED' })), /result must be one of PASSED, FAILED, PENDING/);
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ title: undefined })), /title is required/);
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ data: [{ title: 'Drift', type: 'PERCENTAGE', value: 101 }] })), /from 0 to 100/);
    refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ data: [{ title: 'Kind', type: 'COLOUR', value: 'red' }] })), /type must be one of BOOLEAN/);
    // The OpenAPI document's schema (format: uri) catches what the fake's own checks do not name.
    if (openApi()) refusedWith(await client.send('PUT', `${REPORTS}/stackhook-net`, report({ link: 'not a url' })), /report schema: .*link.*uri/);
    const kept = await client.get(`${REPORTS}/stackhook-net`);
    assert.deepEqual([kept.json.result, kept.json.data.length], ['PASSED', 0], 'the refused writes changed nothing');
  });

  it(`at most ${CODE_INSIGHTS_LIMITS.annotationsPerPost} annotations per POST; a report holds at most ${CODE_INSIGHTS_LIMITS.annotationsPerReport}, and a POST past that is refused whole`, async () => {
    refusedWith(await client.send('POST', `${REPORTS}/stackhook-net/annotations`, batch(0, 101)), /At most 100 annotations/);
    for (let i = 0; i < 10; i++) {
      const answer = await client.send('POST', `${REPORTS}/stackhook-net/annotations`, batch(i * 100, 100));
      assert.equal(answer.status, 200);
      assert.equal(answer.json.length, 100);
    }
    refusedWith(await client.send('POST', `${REPORTS}/stackhook-net/annotations`, [annotation('a999'), annotation('one-too-many')]), /at most 1000 annotations; it has 1000 and this request adds 1/);
    const again = await client.send('POST', `${REPORTS}/stackhook-net/annotations`, batch(0, 100).map((entry) => ({ ...entry, severity: 'LOW' })));
    assert.equal(again.status, 200, 'the same external ids update rather than add');
    const page = await client.get(`${REPORTS}/stackhook-net/annotations?pagelen=100`);
    assert.equal(page.json.size, 1000);
    assert.equal(page.json.values[0].severity, 'LOW');
    assert.ok(page.json.next);
  });

  it('annotation enums, the 450-character summary, line numbers and external ids are checked; the whole batch or nothing', async () => {
    await client.send('PUT', `${REPORTS}/small`, report({ data: [] }));
    const url = `${REPORTS}/small/annotations`;
    refusedWith(await client.send('POST', url, [annotation('ok'), annotation('x', { severity: 'SEVERE' })]), /annotations\[1\]: severity must be one of CRITICAL, HIGH, MEDIUM, LOW/);
    refusedWith(await client.send('POST', url, [annotation('x', { annotation_type: 'TYPO' })]), /annotation_type must be one of VULNERABILITY, CODE_SMELL, BUG/);
    refusedWith(await client.send('POST', url, [annotation('x', { result: 'PENDING' })]), /result must be one of PASSED, FAILED, SKIPPED, IGNORED/);
    refusedWith(await client.send('POST', url, [annotation('x', { summary: 's'.repeat(451) })]), /The summary field cannot contain more than 450 characters\./);
    refusedWith(await client.send('POST', url, [annotation('x', { line: 0 })]), /line must be a whole number from 1/);
    refusedWith(await client.send('POST', url, [annotation('x', { external_id: undefined })]), /external_id is required/);
    refusedWith(await client.send('POST', url, [annotation('x'), annotation('x')]), /its own external_id/);
    refusedWith(await client.send('POST', url, []), /At least one annotation/);
    assert.equal((await client.get(url)).json.size, 0, 'no refused batch left anything behind');
    const longest = await client.send('POST', url, [annotation('x', { summary: 's'.repeat(450) })]);
    assert.equal(longest.status, 200);
  });

  it('one annotation is PUT, read and deleted by its external id; deleting a report takes its annotations', async () => {
    const put = await client.send('PUT', `${REPORTS}/small/annotations/single`, { annotation_type: 'CODE_SMELL', summary: 'drift on aws_s3_bucket.logs', severity: 'MEDIUM' });
    assert.equal(put.status, 200);
    assert.equal(put.json.external_id, 'single');
    assert.equal((await client.get(`${REPORTS}/small/annotations/single`)).json.summary, 'drift on aws_s3_bucket.logs');
    assert.equal((await client.send('DELETE', `${REPORTS}/small/annotations/single`)).status, 204);
    assert.equal((await client.get(`${REPORTS}/small/annotations/single`)).status, 404);
    assert.equal((await client.send('DELETE', `${REPORTS}/small`)).status, 204);
    assert.equal((await client.get(`${REPORTS}/small`)).status, 404);
    assert.equal((await client.get(`${REPORTS}/small/annotations`)).status, 404);
  });
});
