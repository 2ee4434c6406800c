// How the local runner's git is kept from running anything of a repository, and how its clone cache
// is named: one folder per repository, never two repositories in one.
import { strict as assert } from 'node:assert';
import { cacheName, gitArguments, gitEnvironment } from '../../../server/runs/gitRepository';

describe('the clone cache and its git', () => {
  it('names one cache per repository: acme/b_c and acme_b/c (which once shared acme_b_c.git) get two', () => {
    assert.notEqual(cacheName('acme/b_c'), cacheName('acme_b/c'));
    assert.equal(cacheName('acme/network'), 'acme_2fnetwork.git');
    const names = ['a/b', 'a_b', 'a_2fb', 'a/_2fb', 'a_/b', 'a-b/c.d', 'A/b', 'a/B', 'ä/b', `w/${'x'.repeat(300)}`, `w/${'x'.repeat(301)}`];
    assert.equal(new Set(names.map(cacheName)).size, names.length);
    for (const name of names) assert.match(cacheName(name), /^[A-Za-z0-9._-]{1,240}\.git$/);
  });

  it('every git command turns off hooks, fsmonitor and every protocol but https (http only to loopback), and clears credential helpers', () => {
    const args = gitArguments(['fetch'], 'https://bitbucket.org/acme/network.git');
    const settings = args.filter((_, index) => args[index - 1] === '-c');
    for (const setting of ['core.hooksPath=/dev/null', 'core.fsmonitor=false', 'protocol.allow=never', 'protocol.https.allow=always', 'credential.helper=']) assert.ok(settings.includes(setting), setting);
    assert.ok(!settings.includes('protocol.http.allow=always'));
    assert.equal(args.at(-1), 'fetch');
    assert.ok(gitArguments(['fetch'], 'http://127.0.0.1:8080/acme/network.git').includes('protocol.http.allow=always'));
    assert.ok(!gitArguments(['fetch'], 'http://bitbucket.example.com/acme/network.git').includes('protocol.http.allow=always'));
    assert.ok(!settings.some((setting) => setting.includes('ATATT')), 'no credential on the command line');
  });

  it('git\'s environment is made, not inherited: no system or global config, no prompts, nothing of the server\'s but the network\'s settings', () => {
    const env = gitEnvironment({ token: 'ATATT-tok', url: null, signal: new AbortController().signal, home: '/srv/store/checkouts' }, {
      GIT_DIR: '/elsewhere',
      GIT_SSH_COMMAND: 'evil',
      GIT_CONFIG_PARAMETERS: "'core.hooksPath'='/tmp/x'",
      HTTPS_PROXY: 'http://proxy:3128',
      STACKHOOK_SECRET_KEY: 'k',
      HOME: '/home/ana',
    });
    assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
    assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.HOME, '/srv/store/checkouts');
    assert.equal(env.HTTPS_PROXY, 'http://proxy:3128');
    for (const name of ['GIT_DIR', 'GIT_SSH_COMMAND', 'GIT_CONFIG_PARAMETERS', 'STACKHOOK_SECRET_KEY', 'GIT_ASKPASS']) assert.equal(env[name], undefined, name);
  });
});
