// Run logs shared by two `serve` replicas on one database, over real WebSockets against the fake
// Bitbucket: the log of a run replica A executes is read live through an editor on replica B, and
// once A is SIGKILLed and B takes the run over, the log A wrote is still there, followed by B's.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { ownersOfRun, startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';
import { connectEditor, startTeamServer, userWithToken, writeSecretKey, type TeamEditor, type TeamServer } from '../../support/teamServer';
import { eventually } from '../receiverSupport';
import { PIPELINES_YAML, RUN_ENV } from '../runSupport';

const TOKEN = 'ATATT3xFfGF0-shared-logs-token-51c2';

describe('PostgreSQL: run logs shared by two serve replicas', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let bitbucket: FakeBitbucket;
  let databaseUrl: string;
  let replicas: TeamServer[] = [];
  const editors: TeamEditor[] = [];

  before(async () => {
    cluster = await startPostgres();
    databaseUrl = await cluster.createDatabase('shared_run_logs');
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    bitbucket.pushCommit('acme/network', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML, 'envs/prod/main.tf': '# prod\n' });
    const keyFile = writeSecretKey(mkdtempSync(path.join(os.tmpdir(), 'stackhook-key-')));
    const args = ['--bitbucket-api', bitbucket.url];
    replicas = await Promise.all([0, 1].map(() => startTeamServer({ store: tempStore('stackhook-replica-'), databaseUrl, keyFile, args, env: RUN_ENV })));
  });
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await bitbucket?.stop();
    await cluster?.stop();
  });

  /** The process that owns the run now, as the database says. */
  const ownerOf = async (runId: string) => (await ownersOfRun(databaseUrl, runId)).at(-1) ?? null;

  it('an editor on replica B reads the log of a run replica A executes, and keeps it after A dies', async () => {
    const [a, b] = replicas as [TeamServer, TeamServer];
    const token = await userWithToken(a, 'ana', true);
    const onA = await connectEditor(a.url, token);
    const onB = await connectEditor(b.url, token);
    editors.push(onA, onB);
    await onA.request(Protocol.IntegrationsCreate, { name: 'Acme', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await onA.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'acme', repository: 'acme/network', branch: 'main', projectRoot: 'envs/prod' });
    const repository = bitbucket.world.repository('acme/network');
    assert.ok(repository);
    // Long enough that the run is still live when A dies; its step prints the token, which the log must hold masked.
    const [step] = repository.pipelineScript.steps;
    assert.ok(step);
    repository.pipelineScript = { ...repository.pipelineScript, durationMs: 12_000, steps: [{ ...step, log: `+ echo "$BITBUCKET_TOKEN"\n${TOKEN}\n${step.log}` }] };

    const run = await onA.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    let live: Protocol.RunLog = { text: '', nextOffset: 0, complete: false };
    await eventually(async () => {
      live = await onB.request(Protocol.RunsLog, { runId: run.id });
      return /Pipeline stackhook #\d+ started/.test(live.text);
    }, 'the log A writes to reach the editor on B', 10_000);
    assert.equal(live.complete, false, 'the run is live');
    assert.equal((await ownerOf(run.id))?.split(':')[1], String(a.process.pid), 'replica A executes the run');
    assert.equal(existsSync(path.join(a.store, 'run-logs')), false, 'no log in the folder of the replica that runs it');

    a.process.kill('SIGKILL');
    await a.exited;
    // B takes the run over once A's lease runs out, follows the pipeline again, and ends the run.
    // Followed as the editor follows a log: from where the last read stopped.
    let whole = '';
    let offset = 0;
    await eventually(async () => {
      const part = await onB.request(Protocol.RunsLog, { runId: run.id, offset });
      whole += part.text;
      offset = part.nextOffset;
      return part.complete;
    }, 'the run to end on B', 60_000);
    assert.equal((await ownerOf(run.id))?.split(':')[1], String(b.process.pid), 'replica B took the run over');
    assert.match(whole, /^Pipeline stackhook #\d+ started .*\n/, 'what A wrote before it died is kept');
    assert.match(whole, /\nFollowing pipeline \S+ again\.\n/, 'then what B wrote');
    assert.match(whole, /Plan: 1 to add, 0 to change, 0 to destroy\./);
    // R9: the step printed the token; the shared log holds the line, masked.
    assert.match(whole, /\+ echo "\$BITBUCKET_TOKEN"\n••••••\n/, 'the line where the pipeline printed the token');
    assert.ok(!whole.includes(TOKEN), 'the token is in the shared run log');
    assert.equal(whole.indexOf('Pipeline stackhook'), 0);
    assert.ok(whole.indexOf('Following pipeline') < whole.indexOf('Plan: 1 to add'), 'in the order written');
    assert.equal((await onB.request(Protocol.RunsGet, { runId: run.id })).state, 'finished');
  });
});
