import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { CredentialStore } from '../../../server/secrets/credentialStore';
import { EncryptedCredentials, seal, unseal } from '../../../server/secrets/encryptedCredentials';
import { SecretKeyError, parseSecretKey, loadSecretKey } from '../../../server/team/secretKey';

class MemoryCredentials implements CredentialStore {
  readonly values = new Map<string, string>();
  async get(id: string) {
    return this.values.get(id) ?? null;
  }
  async set(id: string, secret: string | null) {
    if (secret === null) this.values.delete(id);
    else this.values.set(id, secret);
  }
}

describe('credentials encrypted at rest', () => {
  const key = randomBytes(32);

  it('seals with AES-256-GCM and a fresh IV each time, and opens only with the same key and integration', () => {
    const first = seal(key, 'acme', 'ATATT-secret');
    const second = seal(key, 'acme', 'ATATT-secret');
    assert.notEqual(first, second, 'a fresh IV per value');
    assert.ok(!first.includes('ATATT-secret'));
    assert.equal(unseal(key, 'acme', first), 'ATATT-secret');
    assert.throws(() => unseal(key, 'other', first), 'a value moved to another integration does not open');
    assert.throws(() => unseal(randomBytes(32), 'acme', first), 'another key does not open it');
    const tampered = `${first.slice(0, -4)}AAAA`;
    assert.throws(() => unseal(key, 'acme', tampered), 'a changed byte is detected');
  });

  it('stores only sealed values, reads them back, and refuses to store without a key', async () => {
    const inner = new MemoryCredentials();
    const store = new EncryptedCredentials(inner, key);
    await store.set('acme', 'ATATT-secret');
    assert.match(inner.values.get('acme') ?? '', /^aes-256-gcm:/);
    assert.equal(await store.get('acme'), 'ATATT-secret');

    const keyless = new EncryptedCredentials(inner, null);
    await assert.rejects(keyless.set('beta', 'ATATT-other'), /no secret key.*--secret-key-file/s);
    assert.equal(inner.values.has('beta'), false, 'nothing stored');
    await assert.rejects(keyless.get('acme'), /encrypted and this server has no secret key/);
    await assert.rejects(new EncryptedCredentials(inner, randomBytes(32)).get('acme'), /does not decrypt with this server's secret key/);
    await keyless.set('acme', null);
    assert.equal(inner.values.has('acme'), false, 'forgetting a credential needs no key');
  });

  it('takes a 32-byte key in hex or base64, from the file first, then the environment', () => {
    const hex = key.toString('hex');
    assert.deepEqual(parseSecretKey(`${hex}\n`, 'f'), key);
    assert.deepEqual(parseSecretKey(key.toString('base64'), 'f'), key);
    assert.throws(() => parseSecretKey('abcd', 'f'), SecretKeyError);
    assert.throws(() => parseSecretKey(randomBytes(16).toString('hex'), 'f'), /not 32 bytes/);
    assert.deepEqual(loadSecretKey(undefined, { STACKHOOK_SECRET_KEY: hex }), key);
    assert.equal(loadSecretKey(undefined, {}), null);
    assert.throws(() => loadSecretKey('/nonexistent/stackhook.key', {}), /cannot be read \(ENOENT\)/);
  });
});
