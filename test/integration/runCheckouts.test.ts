// The local runner's clone cache, shared by every run of a repository (docs/design.md §8): concurrent
// runs, from one server and from two on one store, all check out; two repositories whose names once
// mapped to one cache folder get one each; nothing a repository's code planted in a cache (hooks,
// config) runs during a checkout; a project root that is a link out of the repository is refused.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { cacheName } from '../../server/runs/gitCheckout';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { eventually } from './receiverSupport';
import { RUN_ENV } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-checkouts-token-4b7a';
const OTHER_TOKEN = 'ATATT3xFfGF0-second-integration-c21f';
/** Prints the marker file of the project root: which commit of which repository the run checked out. */
const PRINT_MARKER = [process.execPath, '-e', "console.log('marker: ' + require('fs').readFileSync('marker.txt', 'utf8').trim())"];

describe('the clone cache of local runs', function () {
  this.timeout(180_000);
  let bitbucket: FakeBitbucket;
  const servers: ServerHandle[] = [];

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin', acme_b: 'admin' } });
    bitbucket.world.users[0]?.credentials.push({ secret: OTHER_TOKEN, kind: 'api_token', scopes: [...(bitbucket.world.users[0]?.credentials[0]?.scopes ?? [])] });
  });
  after(async () => {
    for (const server of servers) await server.stop().catch(() => undefined);
    await bitbucket?.stop();
  });

  async function start(store?: string) {
    const server = await startServer({ ...(store ? { store } : {}), args: ['--bitbucket-api', bitbucket.url], env: { ...RUN_ENV, STACKHOOK_RUN_CONCURRENCY: '4' } });
    servers.push(server);
    return server;
  }
  const stackOn = (name: string, repository: string, integrationId = 'acme-main') => ({
    name,
    spaceId: 'root',
    integrationId,
    repository,
    branch: 'main',
    projectRoot: 'envs/dev',
    runner: { type: 'local' as const, plan: PRINT_MARKER, apply: null },
  });
  async function ended(server: ServerHandle, runId: string) {
    await eventually(async () => ['finished', 'failed', 'stopped'].includes((await server.request(Protocol.RunsGet, { runId })).state), `run ${runId} to end`, 60_000);
    return { run: await server.request(Protocol.RunsGet, { runId }), log: (await server.request(Protocol.RunsLog, { runId })).text };
  }
  /** Triggers the stacks at once (each on its server) and waits for all their runs. */
  async function runAll(pairs: Array<[ServerHandle, string]>) {
    const queued = await Promise.all(pairs.map(([server, stackId]) => server.request(Protocol.StacksTriggerRun, { stackId })));
    return Promise.all(queued.map((run, index) => ended((pairs[index] as [ServerHandle, string])[0], run.id)));
  }

  it('four stacks on one repository run at once and all check out, from one server and from two on one store', async () => {
    bitbucket.world.addRepository('acme/shared');
    bitbucket.pushCommit('acme/shared', 'main', { 'envs/dev/marker.txt': 'first\n' });
    const one = await start();
    await one.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    for (const name of ['s1', 's2', 's3', 's4']) await one.request(Protocol.StacksCreate, stackOn(name, 'acme/shared'));
    // The first runs make the cache together.
    for (const { run, log } of await runAll(['s1', 's2', 's3', 's4'].map((id) => [one, id]))) {
      assert.equal(run.state, 'finished', `${run.summary}: ${log}`);
      assert.match(log, /marker: first/);
    }
    // Two servers on the store fetch a new commit into it at once.
    bitbucket.pushCommit('acme/shared', 'main', { 'envs/dev/marker.txt': 'second\n' });
    const two = await start(one.store);
    for (const { run, log } of await runAll([[one, 's1'], [two, 's2'], [one, 's3'], [two, 's4']])) {
      assert.equal(run.state, 'finished', `${run.summary}: ${log}`);
      assert.match(log, /marker: second/);
    }
    assert.deepEqual(readdirSync(path.join(one.store, 'checkouts', 'runs')), [], 'every run folder is removed');
  });

  it('acme/b_c and acme_b/c get a cache each; hooks and config planted in a cache never run, and see no token', async () => {
    const planted = mkdtempSync(path.join(os.tmpdir(), 'stackhook-planted-'));
    const ran = path.join(planted, 'ran');
    bitbucket.world.addRepository('acme/b_c');
    bitbucket.world.addRepository('acme_b/c');
    bitbucket.pushCommit('acme/b_c', 'main', { 'envs/dev/marker.txt': 'acme/b_c one\n' });
    bitbucket.pushCommit('acme_b/c', 'main', { 'envs/dev/marker.txt': 'acme_b/c one\n' });
    const server = await start();
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme B', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: OTHER_TOKEN });
    await server.request(Protocol.StacksCreate, stackOn('bc', 'acme/b_c'));
    await server.request(Protocol.StacksCreate, stackOn('b-c', 'acme_b/c', 'acme-b'));
    const first = await runAll([[server, 'bc']]);
    assert.equal(first[0]?.run.state, 'finished', first[0]?.log);

    // What a run's code could leave in the cache it was checked out from: hooks in hooks/, and a config
    // that points hooks, fsmonitor, a credential helper and an include elsewhere. Each records its environment.
    const cache = path.join(server.store, 'checkouts', 'repositories', cacheName('acme/b_c'));
    const hook = `#!/bin/sh\nenv >> "${ran}-$(basename "$0")"\ncat >/dev/null 2>&1 || true\nexit 0\n`;
    const hooksElsewhere = path.join(planted, 'hooks');
    mkdirSync(hooksElsewhere);
    for (const folder of [path.join(cache, 'hooks'), hooksElsewhere]) {
      mkdirSync(folder, { recursive: true });
      for (const name of ['post-checkout', 'reference-transaction', 'pre-auto-gc', 'post-index-change', 'fsmonitor-watchman']) {
        writeFileSync(path.join(folder, name), hook);
        chmodSync(path.join(folder, name), 0o755);
      }
    }
    const script = path.join(planted, 'script.sh');
    writeFileSync(script, hook);
    chmodSync(script, 0o755);
    writeFileSync(path.join(planted, 'included'), `[core]\n\tsshCommand = ${script}\n`);
    appendFileSync(path.join(cache, 'config'), `[core]\n\thooksPath = ${hooksElsewhere}\n\tfsmonitor = ${script}\n[credential]\n\thelper = !${script}\n[include]\n\tpath = ${path.join(planted, 'included')}\n`);
    // The plant works: plain git runs it.
    const probe = path.join(planted, 'probe-worktree');
    execFileSync('git', ['--git-dir', cache, 'worktree', 'add', '--detach', probe, 'HEAD'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin' } });
    assert.ok(readdirSync(planted).some((name) => name.startsWith('ran-')), 'plain git ran a planted hook');
    for (const name of readdirSync(planted)) if (name.startsWith('ran-')) rmSync(path.join(planted, name));
    rmSync(probe, { recursive: true, force: true });

    // New commits on both, so the runs fetch (reference-transaction) and check out (post-checkout).
    bitbucket.pushCommit('acme/b_c', 'main', { 'envs/dev/marker.txt': 'acme/b_c two\n' });
    bitbucket.pushCommit('acme_b/c', 'main', { 'envs/dev/marker.txt': 'acme_b/c two\n' });
    const [bc, bC] = await runAll([
      [server, 'bc'],
      [server, 'b-c'],
    ]);
    assert.equal(bc?.run.state, 'finished', bc?.log);
    assert.equal(bC?.run.state, 'finished', bC?.log);
    assert.match(bc?.log ?? '', /marker: acme\/b_c two/);
    assert.match(bC?.log ?? '', /marker: acme_b\/c two/);
    assert.deepEqual(readdirSync(planted).filter((name) => name.startsWith('ran-')), [], 'no planted hook, helper or command ran');
    assert.deepEqual(readdirSync(path.join(server.store, 'checkouts', 'repositories')).filter((name) => name.endsWith('.git')).sort(), [cacheName('acme/b_c'), cacheName('acme_b/c')].sort());
    const config = readFileSync(path.join(cache, 'config'), 'utf8');
    assert.doesNotMatch(config, /hooksPath|fsmonitor|helper|include/, 'the cache config is Stackhook\'s again');
    rmSync(planted, { recursive: true, force: true });
  });

  it('a project root that is a symbolic link out of the repository (envs/prod -> /etc) fails the run, and nothing runs in /etc', async () => {
    bitbucket.world.addRepository('acme/linked');
    bitbucket.pushCommit('acme/linked', 'main', { 'envs/prod': { symlink: '/etc' }, 'envs/dev/marker.txt': 'dev\n' });
    const server = await start();
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    const listing = [process.execPath, '-e', "console.log('listing ' + process.cwd() + ': ' + require('fs').readdirSync('.').join(','))"];
    await server.request(Protocol.StacksCreate, { ...stackOn('linked', 'acme/linked'), projectRoot: 'envs/prod', runner: { type: 'local', plan: listing, apply: null } });
    const [done] = await runAll([[server, 'linked']]);
    assert.equal(done?.run.state, 'failed');
    assert.match(done?.run.summary ?? '', /The project root "envs\/prod" is a symbolic link that leads outside the repository \(to \/etc\)/);
    assert.doesNotMatch(done?.log ?? '', /listing/, 'the command never started');
    // The same repository's real folder runs.
    await server.request(Protocol.StacksUpdate, { stackId: 'linked', projectRoot: 'envs/dev', runner: { type: 'local', plan: listing, apply: null } });
    const [fine] = await runAll([[server, 'linked']]);
    assert.equal(fine?.run.state, 'finished', fine?.log);
    assert.match(fine?.log ?? '', /listing .*\/repo\/envs\/dev: marker.txt/);
  });
});
