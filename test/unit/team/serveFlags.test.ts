import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseServerArgs } from '../../../server/cli';
import { runAdminCommand } from '../../../server/adminCommand';

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

  it('takes the database from --database-url or a postgres:// --store, and its password from --database-password-file', () => {
    assert.equal(parseServerArgs(serve).databaseUrl, null);
    const url = 'postgres://stackhook@db.internal:5432/stackhook';
    assert.equal(parseServerArgs([...serve, '--database-url', url]).databaseUrl, url);
    assert.equal(parseServerArgs([...serve, '--database-url', url]).databasePasswordFile, null);
    assert.equal(parseServerArgs([...serve, '--database-url', url, '--database-password-file', 'db.password']).databasePasswordFile, path.resolve('db.password'));
    assert.throws(() => parseServerArgs([...serve, '--database-password-file', 'db.password']), /goes with a database/);
    const viaStore = parseServerArgs([...serve, '--store', url]);
    assert.equal(viaStore.databaseUrl, url);
    assert.ok(!viaStore.store.includes('postgres'), 'the folder for run files is not the URL');
    assert.equal(parseServerArgs([...serve, '--database-url', url, '--store', '/srv/replica']).store, '/srv/replica');
    assert.throws(() => parseServerArgs([...serve, '--database-url', 'mysql://root:hunter2@db/x']), (error: Error) => /takes a postgres:\/\/ URL/.test(error.message) && !error.message.includes('hunter2'));
    assert.throws(() => parseServerArgs(['--stdio', '--database-url', url]), /are for a team server/);
  });

  it('refuses a database URL with a password in it (command lines are public on the host), without printing the password', () => {
    const leaky = 'postgres://stackhook:s3cret-pw@db.internal:5432/stackhook';
    for (const args of [
      [...serve, '--database-url', leaky],
      [...serve, '--store', leaky],
    ]) {
      assert.throws(
        () => parseServerArgs(args),
        (error: Error) => /carries a password/.test(error.message) && /PGPASSWORD/.test(error.message) && /--database-password-file/.test(error.message) && !error.message.includes('s3cret-pw'),
      );
    }
  });

  it('the users and tokens commands take the store as serve does, and refuse a database URL that is not postgres:// without printing its password', async () => {
    const out = { result: () => undefined, note: () => undefined };
    await assert.rejects(runAdminCommand(['users', 'list', '--database-url', 'mysql://root:hunter2@db/x'], out), (error: Error) => /takes a postgres:\/\/ URL/.test(error.message) && !error.message.includes('hunter2'));
    await assert.rejects(runAdminCommand(['users', 'list', '--database-url', 'postgres://root:hunter2@db/x'], out), (error: Error) => /carries a password/.test(error.message) && !error.message.includes('hunter2'));
  });
});
