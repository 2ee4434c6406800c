import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseServerArgs } from '../../../server/cli';

describe('team server flags', () => {
  const serve = ['serve', '--listen', '127.0.0.1:8080', '--public-url', 'https://h.example.com'];

  it('serve takes a secret key file, TLS certificate and key, and --local-runner; the local runner is off by default', () => {
    const plain = parseServerArgs(serve);
    assert.deepEqual([plain.secretKeyFile, plain.tls, plain.localRunner], [null, null, false]);
    const team = parseServerArgs([...serve, '--secret-key-file', 'k.key', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--local-runner']);
    assert.equal(team.secretKeyFile, path.resolve('k.key'));
    assert.deepEqual(team.tls, { cert: path.resolve('c.pem'), key: path.resolve('k.pem') });
    assert.equal(team.localRunner, true);
  });

  it('refuses half a TLS pair, and team flags on an editor\'s --stdio process', () => {
    assert.throws(() => parseServerArgs([...serve, '--tls-cert', 'c.pem']), /--tls-cert and --tls-key go together/);
    assert.throws(() => parseServerArgs(['--stdio', '--secret-key-file', 'k.key']), /are for a team server/);
    assert.throws(() => parseServerArgs(['--stdio', '--local-runner']), /are for a team server/);
  });
});
