// Plan policies end to end, through the built server and the stand-in tofu (R30, R31): a space's
// deny rule holds a tracked run that destroys a protected type; Confirm is refused with the reason;
// the admin who triggered it cannot acknowledge it, another admin (in another process on the same
// store) can; then it is confirmed and applied. The Code Insights report is there while the run
// waits (FAILED by the deny, the destroy and the finding annotated) and says the acknowledgement
// once the run has ended, its annotations posted once.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { fixtureFiles, standinFiles } from '../support/standinTofu';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';
import { eventually } from './receiverSupport';
import { RUN_ENV } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-plan-policies-token-7c2a';
const TOFU = { type: 'local' as const, tool: 'opentofu' as const, program: 'bin/tofu' };

describe('plan policies with the stand-in tofu (R30, R31)', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let ana: ServerHandle;
  let bo: ServerHandle;

  const waitFor = async (runId: string, states: Protocol.Run['state'][]) => {
    await eventually(async () => states.includes((await ana.request(Protocol.RunsGet, { runId })).state), `run ${runId} to be ${states.join(' or ')}`, 30_000);
    return ana.request(Protocol.RunsGet, { runId });
  };

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    ana = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'], env: RUN_ENV });
    await ana.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await ana.request(Protocol.AccessGrant, { user: 'bo', spaceId: 'root', role: 'admin' });
    bo = await startServer({ store: ana.store, user: 'bo', args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'], env: RUN_ENV });
  });
  after(async () => {
    await bo?.stop();
    await ana?.stop();
    await bitbucket?.stop();
  });

  it('a deny holds the run; Confirm is refused; the triggering admin cannot acknowledge, another admin does; then it applies', async () => {
    bitbucket.world.addRepository('acme/db');
    const commit = bitbucket.pushCommit('acme/db', 'main', { ...fixtureFiles('opentofu-show-json/basic-delete'), ...standinFiles(['opentofu-show-json/basic-delete']) });
    await ana.request(Protocol.StacksCreate, { name: 'db', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/db', branch: 'main', runner: TOFU });
    const listed = await ana.request(Protocol.PoliciesSet, { spaceId: 'root', rules: [{ kind: 'protectedTypes', types: ['test_*'], actions: ['delete'], effect: 'deny' }, { kind: 'maxDestroys', limit: 5, effect: 'warn' }] });
    assert.equal(listed.rules.length, 2);

    const queued = await ana.request(Protocol.StacksTriggerRun, { stackId: 'db' });
    const waiting = await waitFor(queued.id, ['unconfirmed', 'failed', 'finished']);
    assert.equal(waiting.state, 'unconfirmed', JSON.stringify(waiting));
    assert.equal(waiting.policy?.verdict, 'deny');
    assert.deepEqual(waiting.policy?.findings.map((f) => [f.rule, f.effect, f.address]), [['protectedTypes', 'deny', 'test_instance.test-delete']]);

    // Reviewers see the report while the run waits: FAILED by the deny, the destroy and the finding annotated.
    await eventually(async () => (await ana.request(Protocol.RunsGet, { runId: queued.id })).reports.insights === 'posted', 'the Code Insights report while the run waits', 20_000);
    const whileWaiting = bitbucket.world.repository('acme/db')?.reports.get(commit)?.[0];
    assert.equal(whileWaiting?.fields.result, 'FAILED');
    assert.equal(whileWaiting?.annotations.length, 2);
    const afterPlanned = bitbucket.mark();

    const refused = await rejection(ana.request(Protocol.RunsConfirm, { runId: queued.id }));
    assert.equal(refused.kind, 'Conflict');
    assert.equal(refused.data.reason, Protocol.POLICY_DENIED);
    const own = await rejection(ana.request(Protocol.RunsAcknowledge, { runId: queued.id, reason: 'mine' }));
    assert.equal(own.kind, 'Forbidden');
    assert.match(own.message, /ana triggered or authored this run/);

    const acknowledged = await bo.request(Protocol.RunsAcknowledge, { runId: queued.id, reason: 'test-delete is retired: CHG-42' });
    assert.equal(acknowledged.policy?.acknowledged?.by, 'bo');
    assert.equal(acknowledged.policy?.acknowledged?.reason, 'test-delete is retired: CHG-42');
    await eventually(async () => (await ana.request(Protocol.RunsGet, { runId: queued.id })).policy?.acknowledged !== undefined, 'the acknowledgement to reach the other process', 10_000);
    await ana.request(Protocol.RunsConfirm, { runId: queued.id });
    const ended = await waitFor(queued.id, ['finished', 'failed']);
    assert.equal(ended.state, 'finished', JSON.stringify(ended));
    assert.equal(ended.policy?.acknowledged?.by, 'bo', 'the acknowledgement is kept with the run');

    await eventually(async () => (await ana.request(Protocol.RunsGet, { runId: queued.id })).reports.status !== 'pending', 'the run to report its end', 20_000);
    await eventually(() => /Acknowledged by bo/.test(String(bitbucket.world.repository('acme/db')?.reports.get(commit)?.[0]?.fields.details)), 'the ended report', 20_000);
    assert.equal(bitbucket.countSince(afterPlanned, 'POST', '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}/annotations'), 0, 'the annotations were posted once, while the run waited');
    const report = bitbucket.world.repository('acme/db')?.reports.get(commit)?.[0];
    assert.equal(report?.externalId, 'stackhook-db');
    assert.equal(report?.fields.result, 'FAILED', 'a deny is a failed report, acknowledged or not');
    assert.match(String(report?.fields.details), /Acknowledged by bo at .*: test-delete is retired: CHG-42/);
    const summaries = report?.annotations.map((a) => String(a.fields.summary)) ?? [];
    assert.ok(summaries.some((s) => s.startsWith('test_instance.test-delete destroyed')), summaries.join('\n'));
    assert.ok(summaries.some((s) => s.startsWith('Policy denies (protectedTypes)')), summaries.join('\n'));
  });
});
