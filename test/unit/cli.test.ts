import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDemo, parseServerArgs, UsageError } from '../../server/cli';

describe('cli: the server command line', () => {
  it('--stdio defaults: store in ~/.stackhook, the OS user, credentials in a file, Bitbucket Cloud, no receiver', () => {
    const options = parseServerArgs(['--stdio']);
    assert.equal(options.mode, 'stdio');
    assert.equal(options.store, path.join(os.homedir(), '.stackhook'));
    assert.equal(options.user, os.userInfo().username);
    assert.equal(options.secrets, 'file');
    assert.equal(options.bitbucketApi, 'https://api.bitbucket.org/2.0');
    assert.equal(options.listen, null);
  });

  it('the demo is one person\'s process with STACKHOOK_DEMO=1 against a Bitbucket on loopback, never a team server or a real Bitbucket', () => {
    const demo = { STACKHOOK_DEMO: '1' };
    assert.equal(parseServerArgs(['--stdio', '--bitbucket-api', 'http://127.0.0.1:4000/2.0'], demo).demo, true);
    assert.equal(parseServerArgs(['--stdio', '--bitbucket-api', 'http://127.0.0.1:4000/2.0'], {}).demo, false);
    assert.equal(parseServerArgs(['--stdio'], demo).demo, false, 'api.bitbucket.org is never the demo');
    assert.equal(isDemo(demo, true, 'http://127.0.0.1:4000/2.0'), false, 'a team server is never the demo');
    assert.equal(isDemo(demo, false, 'http://[::1]:4000/2.0'), true);
  });

  it('serve needs --listen and --public-url, and cannot ask an editor for secrets', () => {
    assert.throws(() => parseServerArgs(['serve', '--public-url', 'https://h.example.com']), /serve needs --listen/);
    assert.throws(() => parseServerArgs(['serve', '--listen', '0.0.0.0:8080']), /serve needs --public-url/);
    assert.throws(() => parseServerArgs(['serve', '--listen', '0.0.0.0:8080', '--public-url', 'https://h.example.com', '--secrets', 'client']), /use --secrets file/);
    const options = parseServerArgs(['serve', '--listen', '[::1]:8080', '--public-url', 'https://h.example.com/']);
    assert.deepEqual(options.listen, { host: '::1', port: 8080 });
    assert.equal(options.publicUrl, 'https://h.example.com');
  });

  it('an IPv6 --listen address gives a default public URL with the host in brackets', () => {
    assert.equal(parseServerArgs(['--stdio', '--listen', '[::1]:9000']).publicUrl, 'http://[::1]:9000');
    assert.equal(parseServerArgs(['--stdio', '--listen', '127.0.0.1:9000']).publicUrl, 'http://127.0.0.1:9000');
    assert.equal(parseServerArgs(['--stdio']).publicUrl, 'http://127.0.0.1:8787');
  });

  it('bad values are refused with what was expected', () => {
    assert.throws(() => parseServerArgs(['--stdio', '--listen', 'nope']), (error: Error) => error instanceof UsageError && /HOST:PORT/.test(error.message));
    assert.throws(() => parseServerArgs(['--stdio', '--listen', 'h:70000']), UsageError);
    assert.throws(() => parseServerArgs(['--stdio', '--public-url', 'ftp://x']), /http\(s\) URL/);
    assert.throws(() => parseServerArgs(['--stdio', '--secrets', 'keychain']), /file or client/);
    assert.throws(() => parseServerArgs([]), /--stdio .* or serve/);
    assert.throws(() => parseServerArgs(['--stdio', 'extra']), /Unknown argument "extra"/);
  });

  it('without --public-url, webhook URLs use the local receiver address', () => {
    assert.equal(parseServerArgs(['--stdio', '--listen', '127.0.0.1:9000']).publicUrl, 'http://127.0.0.1:9000');
  });
});
