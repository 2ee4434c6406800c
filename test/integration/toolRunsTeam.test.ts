// On a team server (serve --local-runner, with a secret key) an OpenTofu run's plan file and its
// `show -json` document are sealed with the key while they are kept: no plain byte of the plan is
// on disk, resourceChange still reads its document (masked), and Confirm applies the very plan file
// the plan wrote (the stand-in's SHA-256 of it, plan and apply alike).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { fixtureFiles, standinFiles, standinRecords } from '../support/standinTofu';
import { connectEditor, startTeamServer, userWithToken, type TeamEditor, type TeamServer } from '../support/teamServer';
import { eventually } from './receiverSupport';
import { pathsUnder, RUN_ENV } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-team-tool-runs-8c1e';
const SEALED = 'stackhook-sealed-1\n';

describe('OpenTofu runs on a team server: plan files and documents sealed with the secret key', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: TeamServer;
  let ana: TeamEditor;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/sealed');
    bitbucket.pushCommit('acme/sealed', 'main', { ...fixtureFiles('opentofu-show-json/sensitive-values'), ...standinFiles(['opentofu-show-json/sensitive-values']) });
    server = await startTeamServer({ args: ['--bitbucket-api', bitbucket.url, '--local-runner'], env: RUN_ENV });
    ana = await connectEditor(server.url, await userWithToken(server, 'ana', true));
    await ana.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await ana.request(Protocol.StacksCreate, { name: 'sealed', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/sealed', branch: 'main', runner: { type: 'local', tool: 'opentofu', program: 'bin/tofu' } });
  });
  after(async () => {
    await ana?.close();
    await server?.stop();
    await bitbucket?.stop();
  });

  it('seals them, reads them back, and applies the same plan file', async () => {
    const queued = await ana.request(Protocol.StacksTriggerRun, { stackId: 'sealed' });
    const run = () => ana.request(Protocol.RunsGet, { runId: queued.id });
    const log = async () => (await ana.request(Protocol.RunsLog, { runId: queued.id })).text;
    await eventually(async () => ['unconfirmed', 'failed'].includes((await run()).state), 'the run to wait', 30_000);
    assert.equal((await run()).state, 'unconfirmed', await log());
    const kept = pathsUnder(server.store)
      .filter((name) => name.endsWith('stackhook-plan.tfplan') || name.startsWith(`plan-documents${path.sep}`));
    assert.equal(kept.length, 2, `a plan file and a plan document: ${kept.join(', ')}`);
    for (const name of kept) {
      const bytes = readFileSync(path.join(server.store, name));
      assert.equal(bytes.subarray(0, SEALED.length).toString('utf8'), SEALED, `${name} is sealed`);
      assert.ok(!bytes.includes('boop') && !bytes.includes('test_instance'), `${name} holds no plain byte of the plan`);
    }
    const change = await ana.request(Protocol.RunsResourceChange, { runId: queued.id, address: 'test_instance.test' });
    assert.deepEqual(change.after, { ami: Protocol.SENSITIVE });
    await ana.request(Protocol.RunsConfirm, { runId: queued.id });
    await eventually(async () => ['finished', 'failed'].includes((await run()).state), 'the run to end', 30_000);
    const text = await log();
    assert.equal((await run()).state, 'finished', text);
    const records = standinRecords(text);
    const planned = records.find((record) => record.argv[0] === 'plan');
    const applied = records.find((record) => record.argv[0] === 'apply');
    assert.ok(planned?.planFile?.sha256);
    assert.equal(applied?.planFile?.sha256, planned.planFile.sha256);
  });
});
