// Bitbucket Pipelines as a full run engine (docs/design.md §4, R20–R22), end to end through the built
// server and the fake Bitbucket executing the bitbucket-pipelines.yml Stackhook suggests, with the
// stand-in `tofu` on the steps' PATH: push → plan pipeline → the plan and the plan file sent back to
// the run's callbacks → `unconfirmed` with counts → Confirm → the apply pipeline applies the same
// bytes. Tokens refused for another run, after the run and when wrong; no Bitbucket credential in any
// trigger; a stale plan refused without a trigger; Discard deletes the plan file.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { pushBody } from '../editor/support/webhook';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { fixtureFiles, standinRecords } from '../support/standinTofu';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';
import { deliver, eventually, send, webhookSecret } from './receiverSupport';
import { RUN_ENV, runWatch } from './runSupport';
import { callbackPath, freePort, PLAN_CASE, SUGGESTED_YAML, toolsFolder } from './pipelinesEngineSupport';

const TOKEN = 'ATATT3xFfGF0-engine-token-51c2e8';

describe('Bitbucket Pipelines as a run engine: plan → review → apply, no credential in a pipeline', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;
  let base: string;
  let secret: string;

  const { logOf, waitFor } = runWatch(() => server);
  const push = async (commit: string) => {
    const answer = await deliver(base, 'acme-main', { body: pushBody('acme/infra', 'main', commit), eventKey: 'repo:push', secret });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    return answer.json.runIds?.[0] as string;
  };
  const pipelinesOf = (runId: string) => (bitbucket.world.repository('acme/infra')?.pipelines ?? []).filter((p) => p.variables.some((v) => v.key === 'STACKHOOK_RUN_ID' && v.value === runId));
  const tokenOf = (runId: string, pattern: string) => pipelinesOf(runId).find((p) => p.pattern === pattern)?.variables.find((v) => v.key === 'STACKHOOK_RUN_TOKEN')?.value ?? '';
  const callback = (runId: string, what: 'plan' | 'planfile', token: string | null, method = 'PUT', body = Buffer.from('{}')) =>
    send(`${base}${callbackPath(runId, what)}`, method, token === null ? {} : { Authorization: `Bearer ${token}` }, method === 'PUT' ? body : undefined);

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/infra');
    bitbucket.world.executePipelines('acme/infra', { path: [toolsFolder([PLAN_CASE])] });
    bitbucket.pushCommit('acme/infra', 'main', { 'bitbucket-pipelines.yml': SUGGESTED_YAML, ...fixtureFiles(PLAN_CASE, 'envs/prod') });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', base, '--listen', `127.0.0.1:${port}`], env: RUN_ENV });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    secret = await webhookSecret(server, 'acme-main');
    await server.request(Protocol.StacksCreate, { name: 'infra', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/infra', branch: 'main', projectRoot: 'envs/prod' });
  });

  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });

  it('R20: push → the plan pipeline sends the plan and the plan file back → unconfirmed with counts → Confirm → the apply pipeline applies the same bytes', async () => {
    const head = bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'one\n' });
    const runId = await push(head);
    const planned = await waitFor(runId, ['unconfirmed', 'failed', 'finished']);
    assert.equal(planned.state, 'unconfirmed', planned.summary ?? '');
    assert.equal(planned.plan?.replace, 1);
    assert.equal(planned.summary, 'Plan: 1 to add, 0 to change, 1 to destroy.');
    // The structured plan is the run's, as a local run's is: its rows, and a resource's change.
    const structured = await server.request(Protocol.RunsPlan, { runId });
    assert.deepEqual(
      structured.resources.map((row) => [row.address, row.action]),
      [['test_instance.test', 'replace']],
    );
    const change = await server.request(Protocol.RunsResourceChange, { runId, address: 'test_instance.test' });
    assert.equal(change.action, 'replace');
    const upload = path.join(server.store, 'pipeline-plans', `${runId}.tfplan`);
    assert.ok(existsSync(upload), 'the plan file is kept while the run waits');

    await server.request(Protocol.RunsConfirm, { runId });
    const done = await waitFor(runId, ['finished', 'failed', 'stopped']);
    assert.equal(done.state, 'finished', `${done.summary}: ${await logOf(runId)}`);
    assert.match(done.summary ?? '', /^Apply complete! Resources: 1 added, 0 changed, 1 destroyed\.$/);
    const [plan, apply] = pipelinesOf(runId);
    assert.deepEqual([plan?.pattern, apply?.pattern], ['stackhook', 'stackhook-apply']);
    assert.equal(apply?.commit, head, 'the apply runs on the planned commit');
    assert.notEqual(tokenOf(runId, 'stackhook'), tokenOf(runId, 'stackhook-apply'), 'the apply has a fresh token');
    // The stand-in records the SHA-256 of the plan file it wrote and of the one it applied.
    const records = standinRecords(await logOf(runId));
    const written = records.find((record) => record.argv[0] === 'plan')?.planFile?.sha256;
    const applied = records.find((record) => record.argv[0] === 'apply')?.planFile?.sha256;
    assert.ok(written, 'the plan step wrote a plan file');
    assert.equal(applied, written, 'the apply pipeline applied the plan file the plan pipeline made');
    assert.equal(existsSync(upload), false, 'the plan file is deleted once the run ends');
  });

  it('R21: no Bitbucket credential in any trigger; the run token is a secured variable; the log masks it', async () => {
    const pipelines = bitbucket.world.repository('acme/infra')?.pipelines ?? [];
    assert.ok(pipelines.length >= 2, 'there are triggers to search');
    for (const pipeline of pipelines) {
      const text = JSON.stringify(pipeline.variables);
      assert.ok(!text.includes(TOKEN), 'the API token is in no trigger');
      assert.ok(!text.includes('ana@example.com'), 'the account is in no trigger');
      assert.deepEqual(pipeline.variables.filter((v) => v.secured).map((v) => v.key), ['STACKHOOK_RUN_TOKEN']);
      const runId = pipeline.variables.find((v) => v.key === 'STACKHOOK_RUN_ID')?.value ?? '';
      const token = pipeline.variables.find((v) => v.key === 'STACKHOOK_RUN_TOKEN')?.value ?? '';
      const log = await logOf(runId);
      assert.match(log, /Authorization: Bearer/, 'the log shows the callbacks');
      assert.ok(!log.includes(token), 'the run token is masked in the log');
    }
  });

  it('R21: the callbacks answer the same 401 to a missing, wrong, other run\'s or ended run\'s token; 409 to a plan for a run not waiting for one', async () => {
    const head = bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'two\n' });
    const runId = await push(head);
    await waitFor(runId, ['unconfirmed']);
    const own = tokenOf(runId, 'stackhook');
    const ended = (await server.request(Protocol.RunsList, { stackId: 'infra' })).find((r) => r.id !== runId && r.state === 'finished');
    assert.ok(ended, 'an ended run to try');
    const endedToken = tokenOf(ended.id, 'stackhook-apply');
    assert.match(endedToken, /^shr_/);

    const refusals = [
      await callback(runId, 'plan', null),
      await callback(runId, 'plan', 'shr_wrong-token'),
      await callback(runId, 'plan', endedToken),
      await callback(ended.id, 'planfile', endedToken, 'GET'),
      await callback(ended.id, 'plan', own),
      await callback('no-such-run', 'plan', own),
    ];
    for (const refused of refusals) assert.deepEqual(refused, { status: 401, json: { error: 'Unauthorized.' } });
    // The right token, but the run waits for a Confirm, not for a plan.
    assert.equal((await callback(runId, 'plan', own)).status, 409);
    assert.equal((await callback(runId, 'planfile', own, 'GET')).status, 409);

    await server.request(Protocol.RunsDiscard, { runId });
    await waitFor(runId, ['discarded']);
    await eventually(() => !existsSync(path.join(server.store, 'pipeline-plans', `${runId}.tfplan`)), 'Discard to delete the plan file');
    assert.equal((await callback(runId, 'plan', own)).status, 401, 'void once the run ended');
  });

  it('R21: a step\'s OIDC token is accepted instead of the run token only when it names the run\'s own pipeline and repository', async () => {
    const head = bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'oidc\n' });
    const runId = await push(head);
    await waitFor(runId, ['unconfirmed']);
    const repository = bitbucket.world.repository('acme/infra');
    const pipeline = pipelinesOf(runId)[0];
    assert.ok(repository && pipeline);
    const workspace = bitbucket.world.addWorkspace('acme');
    const stepToken = (pipelineUuid: string, repositoryUuid: string) =>
      bitbucket.oidc.tokenFor({ workspace, repositoryUuid, pipelineUuid, stepUuid: '{7d1c0a3e-0000-4000-8000-000000000001}', branchName: 'main', deployment: null, audiences: null });
    // Accepted (the run is past its plan, so the answer is the phase's 409, not 401).
    assert.equal((await callback(runId, 'plan', await stepToken(pipeline.uuid, repository.uuid))).status, 409);
    assert.equal((await callback(runId, 'plan', await stepToken('{00000000-0000-4000-8000-0000000000aa}', repository.uuid))).status, 401, 'another pipeline');
    assert.equal((await callback(runId, 'plan', await stepToken(pipeline.uuid, '{00000000-0000-4000-8000-0000000000bb}'))).status, 401, 'another repository');
    const forged = (await stepToken(pipeline.uuid, repository.uuid)).split('.');
    forged[2] = Buffer.from('not the signature').toString('base64url');
    assert.equal((await callback(runId, 'plan', forged.join('.'))).status, 401, 'a bad signature');
    await server.request(Protocol.RunsDiscard, { runId });
  });

  it('R20: a stale plan (the branch moved on) is refused without triggering the apply pipeline', async () => {
    const head = bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'three\n' });
    const runId = await push(head);
    await waitFor(runId, ['unconfirmed']);
    bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'four\n' });
    const refused = await rejection(server.request(Protocol.RunsConfirm, { runId }));
    assert.equal(refused.kind, 'Conflict');
    assert.equal(refused.data.reason, Protocol.STALE_PLAN);
    const done = await waitFor(runId, ['discarded', 'failed', 'finished']);
    assert.equal(done.state, 'discarded');
    assert.deepEqual(
      pipelinesOf(runId).map((p) => p.pattern),
      ['stackhook'],
      'no apply pipeline was triggered',
    );
    await eventually(() => !existsSync(path.join(server.store, 'pipeline-plans', `${runId}.tfplan`)), 'the plan file to be deleted');
  });

  it('checkRunner: both pipelines on the branch pass; a missing apply pipeline gives the YAML, which parses and is what ran here', async () => {
    // The public URL here is loopback, which Bitbucket cannot call: said first.
    const check = await server.request(Protocol.StacksCheckRunner, { stackId: 'infra' });
    assert.deepEqual(
      check.problems.map((problem) => problem.problem),
      ['unreachable-public-url'],
    );
    bitbucket.pushCommit('acme/infra', 'main', { 'bitbucket-pipelines.yml': 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          script: [tofu plan]\n' });
    const missing = await server.request(Protocol.StacksCheckRunner, { stackId: 'infra' });
    const problem = missing.problems.find((candidate) => candidate.problem === 'no-custom-pipeline');
    assert.match(problem?.message ?? '', /pipelines\.custom\.stackhook-apply/);
    const yaml = (problem?.fix ?? '').split('\n').slice(1).join('\n');
    assert.equal(yaml, SUGGESTED_YAML, 'the fix is the YAML these tests run');
    bitbucket.pushCommit('acme/infra', 'main', { 'bitbucket-pipelines.yml': SUGGESTED_YAML });
  });

  it('R20: with autodeploy, a tracked run\'s plan goes on to the apply pipeline without a Confirm', async () => {
    await server.request(Protocol.StacksUpdate, { stackId: 'infra', autodeploy: true });
    try {
      const head = bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/README.md': 'autodeploy\n' });
      const runId = await push(head);
      const done = await waitFor(runId, ['finished', 'failed', 'stopped', 'unconfirmed']);
      assert.equal(done.state, 'finished', `${done.summary}: ${await logOf(runId)}`);
      assert.deepEqual(
        pipelinesOf(runId).map((p) => p.pattern),
        ['stackhook', 'stackhook-apply'],
      );
      const records = standinRecords(await logOf(runId));
      assert.equal(records.find((record) => record.argv[0] === 'apply')?.planFile?.sha256, records.find((record) => record.argv[0] === 'plan')?.planFile?.sha256);
    } finally {
      await server.request(Protocol.StacksUpdate, { stackId: 'infra', autodeploy: false });
    }
  });

  it('stack variables: plain ones are pipeline variables; secret ones only with passSecrets, then secured', async () => {
    await server.request(Protocol.StacksVariablesSet, { stackId: 'infra', name: 'TF_VAR_region', value: 'eu-west-1', secret: false });
    await server.request(Protocol.StacksVariablesSet, { stackId: 'infra', name: 'DB_PASSWORD', value: 'pa55-w0rd-91x', secret: true });
    const withoutSecrets = await server.request(Protocol.StacksTriggerRun, { stackId: 'infra' });
    await waitFor(withoutSecrets.id, ['unconfirmed']);
    const first = pipelinesOf(withoutSecrets.id)[0]?.variables ?? [];
    assert.deepEqual(first.find((v) => v.key === 'TF_VAR_region'), { key: 'TF_VAR_region', value: 'eu-west-1', secured: false });
    assert.equal(first.find((v) => v.key === 'DB_PASSWORD'), undefined, 'a secret variable is not passed without passSecrets');
    assert.match(await logOf(withoutSecrets.id), /secret variables \(DB_PASSWORD\) are not passed to Bitbucket Pipelines/);
    await server.request(Protocol.RunsDiscard, { runId: withoutSecrets.id });

    await server.request(Protocol.StacksUpdate, { stackId: 'infra', runner: { type: 'pipelines', pipeline: 'stackhook', passSecrets: true } });
    const withSecrets = await server.request(Protocol.StacksTriggerRun, { stackId: 'infra' });
    await waitFor(withSecrets.id, ['unconfirmed']);
    assert.deepEqual(pipelinesOf(withSecrets.id)[0]?.variables.find((v) => v.key === 'DB_PASSWORD'), { key: 'DB_PASSWORD', value: 'pa55-w0rd-91x', secured: true });
    assert.ok(!(await logOf(withSecrets.id)).includes('pa55-w0rd-91x'), 'the secret is masked in the run\'s log');
    await server.request(Protocol.RunsDiscard, { runId: withSecrets.id });
  });

  it('leaves no plan file behind once every run has ended', async () => {
    const folder = path.join(server.store, 'pipeline-plans');
    assert.ok(existsSync(folder), 'plans were kept here');
    await eventually(() => readdirSync(folder).length === 0, `no plan file left (${readdirSync(folder).join(', ')})`, 10_000);
  });
});
