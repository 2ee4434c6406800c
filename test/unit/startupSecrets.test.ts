// The secrets a server is started with: taken out of its environment at once, and read from files only
// their owner may read.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { databasePassword, environmentSecret, forgetTakenSecrets, readPrivateFile, takeSecretsFromEnvironment } from '../../server/startupSecrets';
import { loadSecretKey } from '../../server/team/secretKey';
import { hasPassword, withPassword } from '../../server/store/databaseUrl';

describe('start-up secrets', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-secrets-'))));
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
    forgetTakenSecrets();
  });

  it('STACKHOOK_SECRET_KEY and PGPASSWORD leave the environment at start and stay readable to the server alone', () => {
    const env: NodeJS.ProcessEnv = { STACKHOOK_SECRET_KEY: 'a'.repeat(64), PGPASSWORD: 'pg-secret-3', PATH: '/usr/bin' };
    takeSecretsFromEnvironment(env);
    assert.deepEqual(env, { PATH: '/usr/bin' }, 'nothing a child process could inherit');
    assert.equal(environmentSecret('STACKHOOK_SECRET_KEY', env), 'a'.repeat(64));
    assert.equal(environmentSecret('PGPASSWORD', env), 'pg-secret-3');
    assert.equal(databasePassword(null), 'pg-secret-3');
    assert.deepEqual(loadSecretKey(undefined), Buffer.from('a'.repeat(64), 'hex'));
  });

  it('a key or password file readable by others is refused, saying how to fix it; its owner\'s alone is read', () => {
    const file = path.join(folder, 'db.password');
    writeFileSync(file, 'pw-from-file\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    assert.throws(() => readPrivateFile(file, 'database password'), /can be read or changed by others \(mode 0644\).*chmod 600/);
    assert.throws(() => databasePassword(file), /chmod 600/);
    assert.throws(() => loadSecretKey(file), /secret key file .* \(mode 0644\)/);
    chmodSync(file, 0o600);
    assert.equal(databasePassword(file), 'pw-from-file');
    assert.throws(() => databasePassword(path.join(folder, 'missing')), /cannot be read \(ENOENT\)/);
  });

  it('the database password joins the URL only in memory; a URL that carries one is recognised', () => {
    assert.equal(hasPassword('postgres://ana:pw@db/x'), true);
    assert.equal(hasPassword('postgres://ana@db/x'), false);
    const joined = new URL(withPassword('postgres://ana@db:5432/x', 'p@ss:w/rd'));
    assert.equal(decodeURIComponent(joined.password), 'p@ss:w/rd');
    assert.equal(joined.username, 'ana');
    assert.equal(withPassword('postgres://ana@db/x', null), 'postgres://ana@db/x');
  });
});
