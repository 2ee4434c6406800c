// OpenTofu and Terraform runs end to end through the built server, against the fake Bitbucket, with the stand-in
// `tofu` pushed into the repository (docs: README, Tests): Confirm applies the very plan file the
// plan wrote and never plans again; a stale plan is refused after a push; a plan without changes
// never waits; the plan file goes when the run ends; a secret variable reaches the tool and nowhere
// else; a sensitive value of the plan appears in no answer, log, comment or status.
import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { echoFile, fixtureFiles, standinFiles, standinRecords } from '../support/standinTofu';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';
import { deliver, eventually, listenerUrl, webhookSecret } from './receiverSupport';
import { pullRequestBody } from '../support/pullRequestBody';
import { pathsUnder, RUN_ENV, runWatch } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-tool-runs-token-4b1d';
const SECRET_VALUE = 'hunter2-db-password-9f8e7d';
const TOFU = { type: 'local' as const, tool: 'opentofu' as const, program: 'bin/tofu' };

/** Every file under the store but the secret stores themselves (credentials.json) and the plan documents (0600, they hold the plan's values). */
function storeFiles(folder: string): { file: string; text: string }[] {
  const files: { file: string; text: string }[] = [];
  for (const relative of pathsUnder(folder)) {
    const file = path.join(folder, relative);
    if (path.basename(file) === 'credentials.json' || file.includes(`${path.sep}plan-documents${path.sep}`) || file.includes(`${path.sep}repositories${path.sep}`)) continue;
    try {
      const stats = statSync(file);
      if (stats.isFile() && stats.size < 5_000_000) files.push({ file, text: readFileSync(file, 'latin1') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

describe('OpenTofu and Terraform runs with the stand-in', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;

  const { run, logOf, waitFor } = runWatch(() => server);
  const reported = async (runId: string) => {
    await eventually(async () => {
      const { reports } = await run(runId);
      return reports.status !== 'pending' && reports.comment !== 'pending';
    }, `run ${runId} to report`, 20_000);
    return run(runId);
  };
  const stackOn = (name: string, repository: string, runner: Protocol.Runner = TOFU) =>
    server.request(Protocol.StacksCreate, { name, spaceId: 'root', integrationId: 'acme-main', repository, branch: 'main', runner });
  const repositoryWith = (repository: string, caseId: string, extra: Record<string, string> = {}) => {
    bitbucket.world.addRepository(repository);
    return bitbucket.pushCommit(repository, 'main', { ...fixtureFiles(caseId), ...standinFiles([caseId]), ...extra });
  };

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'], env: RUN_ENV });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });

  it('plans to a file, waits with a structured plan, and Confirm applies that same file byte for byte without planning again', async () => {
    repositoryWith('acme/replace', 'opentofu-show-json/requires-replace');
    await stackOn('replace', 'acme/replace', { ...TOFU, workspace: 'prod' });
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'replace' });
    const waiting = await waitFor(queued.id, ['unconfirmed', 'failed']);
    assert.equal(waiting.state, 'unconfirmed', await logOf(queued.id));
    assert.deepEqual(waiting.plan, { add: 0, change: 0, replace: 1, destroy: 0, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false });
    assert.equal(waiting.summary, 'Plan: 1 to add, 0 to change, 1 to destroy.');
    assert.match(waiting.toolVersion ?? '', /^OpenTofu v1\.9\.0$/);
    const plan = await server.request(Protocol.RunsPlan, { runId: queued.id });
    assert.deepEqual(plan.resources.map((row) => [row.address, row.action, row.reason]), [['test_instance.test', 'replace', 'replace_because_cannot_update']]);
    const change = await server.request(Protocol.RunsResourceChange, { runId: queued.id, address: 'test_instance.test' });
    assert.equal(change.action, 'replace');
    assert.deepEqual(change.replacePaths, [['ami']]);

    await server.request(Protocol.RunsConfirm, { runId: queued.id });
    const done = await waitFor(queued.id, ['finished', 'failed']);
    const log = await logOf(queued.id);
    assert.equal(done.state, 'finished', log);
    assert.equal(done.summary, 'Apply complete! Resources: 1 added, 0 changed, 1 destroyed.');
    const records = standinRecords(log);
    assert.deepEqual(records.map((record) => record.argv[0]), ['version', 'init', 'workspace', 'workspace', 'plan', 'show', 'apply']);
    const planned = records.find((record) => record.argv[0] === 'plan');
    const applied = records.find((record) => record.argv[0] === 'apply');
    assert.equal(records.filter((record) => record.argv[0] === 'plan').length, 1, 'Confirm never plans again');
    assert.ok(planned?.planFile?.sha256);
    assert.equal(applied?.planFile?.sha256, planned.planFile.sha256, 'apply was given the plan file the plan wrote, byte for byte');
    assert.ok(applied?.argv.includes('-json') && planned.argv.includes('-detailed-exitcode'));
    assert.deepEqual([planned.workspace, applied?.workspace], ['prod', 'prod']);
    // The UI stream is in the log as readable lines, never as JSON.
    assert.match(log, /^-\/\+ test_instance\.test must be replaced \(it cannot be updated in-place\)$/m);
    assert.doesNotMatch(log, /^\{"@level"/m);
    // The plan file went with the run.
    const left = pathsUnder(server.store).filter((name) => name.includes('stackhook-plan.tfplan'));
    assert.deepEqual(left, []);
    const document = path.join(server.store, 'plan-documents', `${queued.id}.json`);
    assert.equal(statSync(document).mode & 0o777, 0o600);
  });

  it('runs Terraform as it runs OpenTofu: its own program and version, a plan of a Terraform fixture, and Confirm applies that plan file', async () => {
    bitbucket.world.addRepository('acme/terraform');
    bitbucket.pushCommit('acme/terraform', 'main', { ...fixtureFiles('terraform-json/basic'), ...standinFiles(['terraform-json/basic'], { programs: ['terraform'] }) });
    await stackOn('terraform', 'acme/terraform', { type: 'local', tool: 'terraform', program: 'bin/terraform' });
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'terraform' });
    const waiting = await waitFor(queued.id, ['unconfirmed', 'failed']);
    assert.equal(waiting.state, 'unconfirmed', await logOf(queued.id));
    assert.match(waiting.toolVersion ?? '', /^Terraform v1\.9\.8$/);
    assert.equal(waiting.plan?.add, 7);
    assert.equal(waiting.plan?.read, 1);
    await server.request(Protocol.RunsConfirm, { runId: queued.id });
    const done = await waitFor(queued.id, ['finished', 'failed']);
    const records = standinRecords(await logOf(queued.id));
    assert.equal(done.state, 'finished', await logOf(queued.id));
    assert.deepEqual([...new Set(records.map((record) => record.program))], ['terraform']);
    const planned = records.find((record) => record.argv[0] === 'plan');
    const applied = records.find((record) => record.argv[0] === 'apply');
    assert.ok(planned?.planFile?.sha256);
    assert.equal(applied?.planFile?.sha256, planned.planFile.sha256, 'apply was given the plan file the plan wrote');
  });

  it('refuses a stale plan after a push moved the branch: Conflict with reason "stale", nothing applied', async () => {
    repositoryWith('acme/stale', 'opentofu-show-json/moved');
    await stackOn('stale', 'acme/stale');
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'stale' });
    assert.equal((await waitFor(queued.id, ['unconfirmed', 'failed'])).state, 'unconfirmed', await logOf(queued.id));
    bitbucket.pushCommit('acme/stale', 'main', { 'README.md': 'moved on\n' });
    const refused = await rejection(server.request(Protocol.RunsConfirm, { runId: queued.id }));
    assert.equal(refused.kind, 'Conflict');
    assert.equal(refused.data.reason, Protocol.STALE_PLAN);
    assert.match(refused.message, /stale: the branch main moved from [0-9a-f]{12} to [0-9a-f]{12}/);
    const ended = await waitFor(queued.id, ['discarded', 'failed', 'finished']);
    assert.equal(ended.state, 'discarded');
    assert.ok(!standinRecords(await logOf(queued.id)).some((record) => record.argv[0] === 'apply'), 'nothing was applied');
  });

  it('a plan with no changes finishes "No changes." and never waits', async () => {
    repositoryWith('acme/quiet', 'opentofu-show-json/basic-update');
    await stackOn('quiet', 'acme/quiet');
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'quiet' });
    const done = await waitFor(queued.id, ['finished', 'failed', 'unconfirmed']);
    assert.equal(done.state, 'finished', await logOf(queued.id));
    assert.equal(done.summary, 'No changes.');
    assert.ok(!standinRecords(await logOf(queued.id)).some((record) => record.argv[0] === 'apply'));
  });

  it('a secret variable reaches the tool\'s environment and appears nowhere else; a sensitive plan value neither', async () => {
    repositoryWith('acme/secret', 'opentofu-show-json/sensitive-values', echoFile('TF_VAR_db_password'));
    await stackOn('secret', 'acme/secret');
    await server.request(Protocol.SpacesVariablesSet, { spaceId: 'root', name: 'TF_VAR_region', value: 'eu-west-1', secret: false });
    await server.request(Protocol.StacksVariablesSet, { stackId: 'secret', name: 'TF_VAR_db_password', value: SECRET_VALUE, secret: true });
    const listed = await server.request(Protocol.StacksVariablesList, { stackId: 'secret' });
    assert.deepEqual(
      listed.map(({ name, secret, value, inherited }) => ({ name, secret, value, inherited })),
      [
        { name: 'TF_VAR_region', secret: false, value: 'eu-west-1', inherited: true },
        { name: 'TF_VAR_db_password', secret: true, value: undefined, inherited: undefined },
      ],
    );
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'secret' });
    const waiting = await waitFor(queued.id, ['unconfirmed', 'failed']);
    const log = await logOf(queued.id);
    assert.equal(waiting.state, 'unconfirmed', log);
    const planned = standinRecords(log).find((record) => record.argv[0] === 'plan');
    assert.ok(planned?.env.includes('TF_VAR_db_password') && planned.env.includes('TF_VAR_region'), 'the variables reached the tool');
    // The stand-in printed the secret's value: the log holds it masked, so there was something to find.
    assert.match(log, /\[stand-in tofu\] echo TF_VAR_db_password=/);
    const change = await server.request(Protocol.RunsResourceChange, { runId: queued.id, address: 'test_instance.test' });
    assert.deepEqual(change.after, { ami: Protocol.SENSITIVE });
    await server.request(Protocol.RunsDiscard, { runId: queued.id });
    const ended = await reported(queued.id);
    // A pull request's proposed run of the same code: its comment reads the structured plan.
    bitbucket.world.addPullRequest('acme/secret', 3);
    const feature = bitbucket.pushCommit('acme/secret', 'feature/x', { 'notes.md': 'a change\n' });
    const delivered = await deliver(await listenerUrl(server), 'acme-main', {
      body: pullRequestBody('acme/secret', { id: 3, source: 'feature/x', destination: 'main', commit: feature }),
      eventKey: 'pullrequest:created',
      secret: await webhookSecret(server, 'acme-main'),
    });
    const [proposedId] = delivered.json.runIds ?? [];
    assert.ok(proposedId, JSON.stringify(delivered.json));
    await waitFor(proposedId, ['finished', 'failed']);
    const proposed = await reported(proposedId);
    assert.equal(proposed.reports.comment, 'posted', proposed.reports.commentReason);
    const comment = bitbucket.world.repository('acme/secret')?.pullRequests.get(3)?.[0]?.raw ?? '';
    assert.match(comment, /^\| 1 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \|$/m, comment);
    const answers = JSON.stringify([ended, proposed, listed, change, await server.request(Protocol.RunsPlan, { runId: queued.id }), await server.request(Protocol.RunsList, {}), log, await logOf(proposedId)]);
    const statuses = JSON.stringify([...(bitbucket.world.repository('acme/secret')?.statuses.values() ?? [])].map((kept) => [...kept.values()]));
    for (const [what, text] of [['answers', answers], ['statuses', statuses], ['the comment', comment], ['server stderr', server.stderr()], ...storeFiles(server.store).map(({ file, text }) => [file, text])] as [string, string][]) {
      assert.ok(!text.includes(SECRET_VALUE), `the secret variable's value is in ${what}`);
      assert.ok(!text.includes('"boop"') && !/ami.{0,20}boop/.test(text), `the sensitive value is in ${what}`);
    }
  });

  it('the plan file (0600 while it waits) is deleted when the run is discarded, stopped, or its plan fails', async () => {
    const planFiles = () =>
      pathsUnder(server.store)
        .filter((name) => name.endsWith('stackhook-plan.tfplan'))
        .map((name) => path.join(server.store, name));
    repositoryWith('acme/endings', 'opentofu-show-json/basic-delete');
    await stackOn('endings', 'acme/endings');
    for (const ending of ['discard', 'cancel'] as const) {
      const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'endings' });
      assert.equal((await waitFor(queued.id, ['unconfirmed', 'failed'])).state, 'unconfirmed', await logOf(queued.id));
      const waiting = planFiles();
      assert.equal(waiting.length, 1, 'the plan file is there while the run waits');
      assert.equal(statSync(waiting[0] as string).mode & 0o777, 0o600);
      await server.request(ending === 'discard' ? Protocol.RunsDiscard : Protocol.RunsCancel, { runId: queued.id });
      const ended = await waitFor(queued.id, ['discarded', 'stopped']);
      assert.equal(ended.state, ending === 'discard' ? 'discarded' : 'stopped');
      await eventually(() => planFiles().length === 0, `the plan file to go after ${ending}`, 10_000);
    }
    repositoryWith('acme/broken', 'opentofu-show-json/plan-error');
    await stackOn('broken', 'acme/broken');
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'broken' });
    const failed = await waitFor(queued.id, ['failed', 'unconfirmed', 'finished']);
    assert.equal(failed.state, 'failed', await logOf(queued.id));
    assert.match(failed.summary ?? '', /^plan failed: /);
    assert.equal(failed.plan?.errored, true);
    const plan = await server.request(Protocol.RunsPlan, { runId: queued.id });
    assert.deepEqual(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.file, d.line]), [['main.tf', 11]]);
    await eventually(() => planFiles().length === 0, 'the plan file to go after a failed plan', 10_000);
  });

  it('variables: reserved names are refused with the reason; secret ones need admin; a stack\'s own wins over its space\'s', async () => {
    const reserved = await rejection(server.request(Protocol.StacksVariablesSet, { stackId: 'secret', name: 'GIT_SSH_COMMAND', value: 'x', secret: false }));
    assert.equal(reserved.kind, 'Invalid');
    assert.match(reserved.message, /reserved: GIT_\* variables would change what git does/);
    for (const name of ['PATH', 'HOME', 'STACKHOOK_RUN_ID']) assert.equal((await rejection(server.request(Protocol.SpacesVariablesSet, { spaceId: 'root', name, value: 'x', secret: false }))).kind, 'Invalid');
    await server.request(Protocol.StacksVariablesSet, { stackId: 'secret', name: 'TF_VAR_region', value: 'us-east-2', secret: false });
    const listed = await server.request(Protocol.StacksVariablesList, { stackId: 'secret' });
    assert.deepEqual(listed.filter((row) => row.name === 'TF_VAR_region').map(({ value, inherited, overridden }) => ({ value, inherited, overridden })), [
      { value: 'eu-west-1', inherited: true, overridden: true },
      { value: 'us-east-2', inherited: undefined, overridden: undefined },
    ]);
    await server.request(Protocol.StacksVariablesDelete, { stackId: 'secret', name: 'TF_VAR_region' });
    assert.equal((await rejection(server.request(Protocol.StacksVariablesDelete, { stackId: 'secret', name: 'TF_VAR_region' }))).kind, 'NotFound');
  });
});

describe('OpenTofu runs: a plan not confirmed in time', function () {
  this.timeout(60_000);
  it('fails, applies nothing, and its plan file is deleted (STACKHOOK_PLAN_KEPT_MS shortens the 24 h)', async () => {
    const bitbucket = await startFakeBitbucket();
    const server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'], env: { ...RUN_ENV, STACKHOOK_PLAN_KEPT_MS: '2000' } });
    try {
      bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
      bitbucket.world.addRepository('acme/late');
      bitbucket.pushCommit('acme/late', 'main', { ...fixtureFiles('opentofu-show-json/basic-delete'), ...standinFiles(['opentofu-show-json/basic-delete']) });
      await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
      await server.request(Protocol.StacksCreate, { name: 'late', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/late', branch: 'main', runner: TOFU });
      const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'late' });
      await eventually(async () => (await server.request(Protocol.RunsGet, { runId: queued.id })).state === 'failed', 'the run to fail', 30_000);
      const run = await server.request(Protocol.RunsGet, { runId: queued.id });
      const log = (await server.request(Protocol.RunsLog, { runId: queued.id })).text;
      assert.equal(run.summary, 'not applied: the plan was not confirmed within 2 s, and its plan file was deleted; plan again', log);
      assert.match(log, /Plan: 0 to add, 1 to change, 1 to destroy\./, 'it had planned and waited');
      assert.ok(!standinRecords(log).some((record) => record.argv[0] === 'apply'));
      assert.deepEqual(pathsUnder(server.store).filter((name) => name.endsWith('stackhook-plan.tfplan')), []);
    } finally {
      await server.stop();
      await bitbucket.stop();
    }
  });
});
