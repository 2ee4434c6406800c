// The sandbox of local runs: what bubblewrap is told to show a command, and how its absence is found.
import { strict as assert } from 'node:assert';
import { detect, RUN_PATH, runPath, SANDBOX_HOME, sandboxOptions, type SandboxLayout } from '../../../server/runs/sandbox';
import { runEnvironment } from '../../../server/runs/runProcess';

const layout: SandboxLayout = {
  worktree: '/srv/store/checkouts/runs/r1-abc/repo',
  cwd: '/srv/store/checkouts/runs/r1-abc/repo/envs/prod',
  home: '/srv/store/checkouts/runs/r1-abc/home',
  tmp: '/srv/store/checkouts/runs/r1-abc/tmp',
  pluginCache: '/srv/store/plugin-cache',
  env: { PATH: RUN_PATH, STACKHOOK_RUN_ID: 'r1' },
};

/** The (source → destination) pairs of one kind of mount. */
function mounts(options: string[], kind: string): string[] {
  const found: string[] = [];
  options.forEach((option, index) => {
    if (option === kind) found.push(`${options[index + 1]} -> ${options[index + 2]}`);
  });
  return found;
}

describe('the local runner\'s sandbox', () => {
  it('a new PID namespace that dies with the server, a new session, no capabilities, an empty environment but the run\'s', () => {
    const options = sandboxOptions(layout, '/usr/bin/node');
    for (const flag of ['--unshare-pid', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(options.includes(flag), flag);
    assert.equal(options[options.indexOf('--cap-drop') + 1], 'ALL');
    assert.ok(!options.includes('--unshare-net'), 'providers need the network');
    assert.deepEqual(mounts(options, '--setenv'), ['PATH -> /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'STACKHOOK_RUN_ID -> r1']);
    assert.equal(options[options.indexOf('--chdir') + 1], layout.cwd);
  });

  it('shows the worktree and the plugin cache read-write, a private home and /tmp, /usr read-only; never the store, the cache or the host\'s home', () => {
    const options = sandboxOptions(layout, '/usr/bin/node');
    assert.deepEqual(
      mounts(options, '--bind').sort(),
      [`${layout.home} -> ${SANDBOX_HOME}`, `${layout.pluginCache} -> ${layout.pluginCache}`, `${layout.tmp} -> /tmp`, `${layout.worktree} -> ${layout.worktree}`].sort(),
    );
    assert.deepEqual(mounts(options, '--ro-bind'), ['/usr -> /usr']);
    const etc = mounts(options, '--ro-bind-try').map((pair) => pair.split(' -> ')[0]);
    assert.ok(etc.includes('/etc/resolv.conf') && etc.includes('/etc/ssl/certs') && etc.includes('/etc/passwd'));
    assert.ok(!etc.some((file) => file === '/etc' || file === '/etc/ssl' || file?.startsWith('/etc/ssl/private') || file === '/etc/shadow'));
    const everything = options.join('\n');
    for (const hidden of ['/srv/store/credentials.json', '/srv/store/checkouts/repositories', '/root']) assert.ok(!everything.includes(hidden), hidden);
    const sources = [...mounts(options, '--bind'), ...mounts(options, '--ro-bind')].map((pair) => pair.split(' -> ')[0]);
    for (const hidden of ['/', '/home', '/srv/store', '/srv/store/checkouts', '/etc', '/proc', '/run']) assert.ok(!sources.includes(hidden), hidden);
    assert.ok(options.includes('--proc') && options.includes('--dev'));
  });

  it('makes the Node that runs Stackhook visible (read-only, the binary alone) when it is not a system one, and puts it on PATH', () => {
    assert.deepEqual(mounts(sandboxOptions(layout, '/opt/node-20/bin/node'), '--ro-bind'), ['/usr -> /usr', '/opt/node-20/bin/node -> /opt/node-20/bin/node']);
    assert.equal(runPath('/usr/bin/node'), RUN_PATH);
    assert.equal(runPath('/opt/node-20/bin/node'), `${RUN_PATH}:/opt/node-20/bin`);
  });

  it('a run\'s environment is built from nothing: PATH, HOME, LANG and TZ if set, the Terraform settings and the run\'s variables', () => {
    const server = { PATH: '/home/ana/bin:/usr/bin', HOME: '/home/ana', LANG: 'C.UTF-8', STACKHOOK_SECRET_KEY: 'k', PGPASSWORD: 'p', GIT_ASKPASS: '/x', AWS_SECRET_ACCESS_KEY: 'a' };
    const env = runEnvironment({ STACKHOOK_RUN_ID: 'r1' }, { home: SANDBOX_HOME, tmp: null, pluginCache: '/srv/store/plugin-cache' }, server);
    assert.deepEqual(Object.keys(env).sort(), ['HOME', 'LANG', 'PATH', 'STACKHOOK_RUN_ID', 'TF_IN_AUTOMATION', 'TF_PLUGIN_CACHE_DIR']);
    assert.equal(env.HOME, SANDBOX_HOME);
    assert.ok(env.PATH?.startsWith(RUN_PATH));
    assert.equal(env.TF_PLUGIN_CACHE_DIR, '/srv/store/plugin-cache');
    const unsandboxed = runEnvironment({}, { home: '/h', tmp: '/t', pluginCache: '/p' }, {});
    assert.equal(unsandboxed.TMPDIR, '/t');
  });

  it('STACKHOOK_SANDBOX=none turns it off; a machine without bwrap says what to install', async () => {
    assert.deepEqual(await detect({ STACKHOOK_SANDBOX: 'none' }), { available: false, problem: 'the sandbox is turned off (STACKHOOK_SANDBOX=none)' });
    const none = await detect({ PATH: '/nonexistent' });
    // RUN_PATH is searched too: where bwrap is installed, it is found there.
    if (!none.available) assert.match(none.problem, /bubblewrap \(bwrap\)/);
  });
});
