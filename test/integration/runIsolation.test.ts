// A local run is isolated from the server that runs it (docs/design.md §8, the local runner's sandbox):
// its command cannot read the server's environment, the store or the secret key file, its
// environment holds nothing of the server's, it ends when its server dies, and what bubblewrap cannot
// sandbox runs only on one person's editor, never on a team server.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { detect } from '../../server/runs/sandbox';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { eventually, webhookSecret } from './receiverSupport';
import { processesWith, RUN_ENV, uniqueMarker } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-isolation-token-90d1e';
const KEY = randomBytes(32).toString('hex');
const PG_PASSWORD = `pg-${randomBytes(8).toString('hex')}`;
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

/**
 * A plan command that looks for the server's secrets wherever it might find them and prints, in hex (so
 * that the run log's masking cannot hide a find), whatever it could read; then its own environment.
 */
const PROBE = `
const fs = require('fs');
const hex = (data) => Buffer.from(data).toString('hex');
const show = (what, read) => { try { console.log('READ ' + what + ' ' + hex(read())); } catch (error) { console.log('DENIED ' + what + ' ' + error.code); } };
show('ppid-environ', () => fs.readFileSync('/proc/' + process.ppid + '/environ'));
// The files first: on a busy host, every process's environment could fill the run's log before them.
for (const file of process.argv.slice(1)) show(file, () => fs.readFileSync(file));
const pids = fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name));
console.log('PIDS ' + pids.join(','));
for (const pid of pids) { show('environ-' + pid, () => fs.readFileSync('/proc/' + pid + '/environ')); show('cmdline-' + pid, () => fs.readFileSync('/proc/' + pid + '/cmdline')); }
console.log('ENV ' + hex(JSON.stringify(process.env)));
console.log('PROBE DONE');
`;

describe('local runs are isolated from the server', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let keyFolder: string;
  let keyFile: string;
  const servers: ServerHandle[] = [];

  before(async () => {
    const support = await detect(process.env);
    if (!support.available) throw new Error(`These tests need a working sandbox (npm run setup installs bubblewrap): ${support.problem}.`);
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/probe');
    bitbucket.pushCommit('acme/probe', 'main', { 'envs/dev/main.tf': '# dev\n' });
    keyFolder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-key-'));
    keyFile = path.join(keyFolder, 'secret.key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  });
  after(async () => {
    for (const server of servers) await server.stop().catch(() => undefined);
    await bitbucket?.stop();
    rmSync(keyFolder, { recursive: true, force: true });
  });

  /** A server with the secret key and the database password in its environment, as an attacked one had. */
  async function serverWith(env: NodeJS.ProcessEnv, plan: string[], store?: string) {
    const server = await startServer({
      ...(store ? { store } : {}),
      args: ['--bitbucket-api', bitbucket.url],
      env: { ...RUN_ENV, STACKHOOK_SECRET_KEY: KEY, PGPASSWORD: PG_PASSWORD, ...env },
    });
    servers.push(server);
    if (!store) {
      await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
      await server.request(Protocol.StacksCreate, { name: 'probe', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/probe', branch: 'main', projectRoot: 'envs/dev', runner: { type: 'local', plan, apply: null } });
    }
    return server;
  }

  async function runToEnd(server: ServerHandle, stackId = 'probe') {
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId });
    await eventually(async () => ['finished', 'failed', 'stopped'].includes((await server.request(Protocol.RunsGet, { runId: queued.id })).state), 'the run to end', 30_000);
    return { run: await server.request(Protocol.RunsGet, { runId: queued.id }), log: (await server.request(Protocol.RunsLog, { runId: queued.id })).text };
  }

  const probeFor = (server: { store: string; pid: number }) => [
    process.execPath,
    '-e',
    PROBE,
    path.join(server.store, 'credentials.json'),
    path.join(server.store, 'registry.json'),
    keyFile,
    `/proc/${server.pid}/environ`,
    `/proc/${server.pid}/cmdline`,
  ];

  it('a plan command cannot read the server\'s environment, any process\'s, the store or the secret key file', async () => {
    // The probe is told where the store is and the server's pid, as an attacker who guessed them would be.
    const server = await serverWith({}, ['placeholder']);
    await server.request(Protocol.StacksUpdate, { stackId: 'probe', runner: { type: 'local', plan: probeFor({ store: server.store, pid: server.process.pid ?? 0 }), apply: null } });
    const { run, log } = await runToEnd(server);
    assert.equal(run.state, 'finished', `${run.summary}: ${log}`);
    // It ran, it looked, and its hex reaches the log unmasked (its own run id, in its environment, does).
    assert.match(log, /PROBE DONE/);
    assert.match(log, /READ ppid-environ/);
    assert.ok(log.includes(hex(run.id)), 'the probe prints what it reads');
    for (const file of ['credentials.json', 'registry.json']) assert.match(log, new RegExp(`DENIED ${path.join(server.store, file)} ENOENT`));
    assert.match(log, new RegExp(`DENIED ${keyFile} ENOENT`));
    assert.match(log, new RegExp(`DENIED /proc/${server.process.pid}/environ ENOENT`));
    // Its own PID namespace: the sandbox's first process and the command, no server, no other process of the host.
    const pids = (/PIDS ([\d,]+)/.exec(log)?.[1] ?? '').split(',').map(Number);
    assert.ok(pids.length >= 1 && pids.length <= 3 && pids.every((pid) => pid <= 3), `pids seen: ${pids.join(',')}`);
    const secret = await webhookSecret(server, 'acme-main');
    for (const [name, value] of Object.entries({ token: TOKEN, key: KEY, pgPassword: PG_PASSWORD, webhookSecret: secret })) {
      assert.equal(log.includes(hex(value)), false, `the ${name} is in the run's log`);
      assert.equal(log.includes(value), false, `the ${name} is in the run's log`);
    }
  });

  it('a run\'s environment is the run\'s alone: no STACKHOOK_SECRET_KEY, PGPASSWORD, GIT_* or anything else of the server', async () => {
    const printEnv = [process.execPath, '-e', 'console.log("ENV " + JSON.stringify(process.env))'];
    for (const env of [{}, { STACKHOOK_SANDBOX: 'none' }]) {
      const server = await serverWith({ ...env, GIT_DIR: '/elsewhere', AWS_SECRET_ACCESS_KEY: 'aws-secret', LANG: 'C.UTF-8' }, printEnv);
      const { run, log } = await runToEnd(server);
      assert.equal(run.state, 'finished', `${run.summary}: ${log}`);
      const seen = JSON.parse(/ENV (.*)/.exec(log)?.[1] ?? '{}') as Record<string, string>;
      const expected = ['HOME', 'LANG', 'PATH', 'STACKHOOK_COMMIT', 'STACKHOOK_RUN_ID', 'STACKHOOK_RUN_KIND', 'STACKHOOK_STACK', 'TF_IN_AUTOMATION', 'TF_PLUGIN_CACHE_DIR', ...(process.env.TZ ? ['TZ'] : [])];
      // bubblewrap sets PWD (the folder it starts the command in); without it, TMPDIR is the run's own folder.
      assert.deepEqual(Object.keys(seen).filter((name) => !['PWD', 'TMPDIR'].includes(name)).sort(), expected.sort(), JSON.stringify(env));
      assert.equal(seen.STACKHOOK_RUN_ID, run.id);
      assert.equal(seen.TF_PLUGIN_CACHE_DIR, path.join(server.store, 'plugin-cache'));
      assert.ok(!log.includes(KEY) && !log.includes(PG_PASSWORD) && !log.includes('aws-secret'));
    }
  });

  it('without a sandbox the same probe finds the credential and the key: what the sandbox keeps it from', async () => {
    const server = await serverWith({ STACKHOOK_SANDBOX: 'none' }, ['placeholder']);
    await server.request(Protocol.StacksUpdate, { stackId: 'probe', runner: { type: 'local', plan: probeFor({ store: server.store, pid: server.process.pid ?? 0 }), apply: null } });
    const { run, log } = await runToEnd(server);
    assert.equal(run.state, 'finished', `${run.summary}: ${log}`);
    assert.ok(log.includes(hex(TOKEN)), 'credentials.json is readable to an unsandboxed command');
    assert.ok(log.includes(hex(KEY)), "the key stays in /proc/<server>/environ after start-up removed it from process.env");
  });

  it('cancel asks the command inside the sandbox to end (TERM), so it can clean up', async () => {
    const graceful = [process.execPath, '-e', "process.on('SIGTERM', () => { console.log('TERM received, releasing the state lock'); setTimeout(() => process.exit(0), 50); }); console.log('ready'); setInterval(() => {}, 1000);"];
    const server = await serverWith({}, graceful);
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'probe' });
    await eventually(async () => /ready/.test((await server.request(Protocol.RunsLog, { runId: queued.id })).text), 'the command to start', 20_000);
    await server.request(Protocol.RunsCancel, { runId: queued.id });
    await eventually(async () => (await server.request(Protocol.RunsGet, { runId: queued.id })).state === 'stopped', 'the run to stop', 20_000);
    assert.match((await server.request(Protocol.RunsLog, { runId: queued.id })).text, /TERM received, releasing the state lock/);
  });

  it('SIGKILL of the server ends every process of its run (the command and what it spawned) within seconds', async () => {
    const marker = uniqueMarker('orphan');
    const spawner = [
      process.execPath,
      '-e',
      `const c = require('child_process').spawn(process.execPath, ['-e', 'console.log("grandchild " + process.pid); setInterval(() => {}, 1000) // ${marker}'], { stdio: 'inherit' }); console.log('child ' + process.pid); setInterval(() => {}, 1000) // ${marker}`,
    ];
    const server = await serverWith({}, spawner);
    const queued = await server.request(Protocol.StacksTriggerRun, { stackId: 'probe' });
    await eventually(async () => /grandchild \d+/.test((await server.request(Protocol.RunsLog, { runId: queued.id })).text), 'both processes to start', 20_000);
    assert.ok(processesWith(marker).length >= 2, 'the command and its child run on this host');
    server.process.kill('SIGKILL');
    await eventually(() => processesWith(marker).length === 0, 'no process of the run to be left', 5_000);
  });

  it('without a sandbox, the command dies with the server, and the next server on the store ends what it spawned', async () => {
    const marker = uniqueMarker('unsandboxed');
    const spawner = [
      process.execPath,
      '-e',
      `require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000) // ${marker}'], { stdio: 'ignore' }); console.log('child ' + process.pid); setInterval(() => {}, 1000) // ${marker}`,
    ];
    const first = await serverWith({ STACKHOOK_SANDBOX: 'none' }, spawner);
    const queued = await first.request(Protocol.StacksTriggerRun, { stackId: 'probe' });
    await eventually(async () => /child \d+/.test((await first.request(Protocol.RunsLog, { runId: queued.id })).text), 'the command to start', 20_000);
    const child = Number(/child (\d+)/.exec((await first.request(Protocol.RunsLog, { runId: queued.id })).text)?.[1]);
    await eventually(() => processesWith(marker).length === 2, 'the command and its child to run');
    first.process.kill('SIGKILL');
    await eventually(() => !processesWith(marker).includes(child), 'the command to die with its server', 5_000);
    const second = await serverWith({ STACKHOOK_SANDBOX: 'none' }, spawner, first.store);
    await eventually(async () => (await second.request(Protocol.RunsGet, { runId: queued.id })).state === 'failed', 'the run to be marked interrupted', 20_000);
    await eventually(() => processesWith(marker).length === 0, 'what the command spawned to be ended', 5_000);
  });

  it('a server whose sandbox cannot run says so once at start, with how to install bubblewrap', async () => {
    const server = await serverWith({ STACKHOOK_SANDBOX: 'none' }, ['true']);
    await eventually(() => /Local runs are not sandboxed/.test(server.stderr()), 'the notice');
    assert.equal(server.stderr().match(/Local runs are not sandboxed/g)?.length, 1);
    assert.match(server.stderr(), /apt-get install bubblewrap/);
    const sandboxed = await serverWith({}, ['true']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.doesNotMatch(sandboxed.stderr(), /not sandboxed/);
  });
});
