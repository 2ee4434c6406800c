// Credentials encrypted at rest (AES-256-GCM) on a team server. Each value is sealed with a fresh
// 96-bit IV and the integration's id as associated data, so a value copied to another integration's
// entry does not decrypt. Without a key the server refuses to store a credential at all.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { unavailable } from '../errors';
import type { CredentialStore } from './credentialStore';

const SEALED_PREFIX = 'aes-256-gcm:';

export function seal(key: Buffer, integrationId: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(integrationId, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${[iv, cipher.getAuthTag(), body].map((part) => part.toString('base64')).join('.')}`;
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

export function unseal(key: Buffer, integrationId: string, sealed: string): string {
  const [iv, tag, body] = sealed.slice(SEALED_PREFIX.length).split('.').map((part) => Buffer.from(part, 'base64'));
  if (!iv || !tag || !body) throw new Error('malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(integrationId, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/** Wraps a store of raw strings (a file, a table) so that only sealed values reach it. */
export class EncryptedCredentials implements CredentialStore {
  constructor(
    private readonly inner: CredentialStore,
    private readonly key: Buffer | null,
  ) {}

  async get(integrationId: string): Promise<string | null> {
    const stored = await this.inner.get(integrationId);
    if (stored === null || !isSealed(stored)) return stored;
    if (!this.key) {
      throw unavailable(`The credential of ${integrationId} is encrypted and this server has no secret key. Start it with --secret-key-file (or STACKHOOK_SECRET_KEY) holding the key it was stored with.`);
    }
    try {
      return unseal(this.key, integrationId, stored);
    } catch {
      throw unavailable(`The credential of ${integrationId} does not decrypt with this server's secret key: it was stored with another key. Use that key, or enter the credential again (Edit Integration).`);
    }
  }

  async set(integrationId: string, secret: string | null): Promise<void> {
    if (secret === null) return this.inner.set(integrationId, null);
    if (!this.key) {
      throw unavailable('This team server keeps Bitbucket credentials encrypted and has no secret key, so it stores none. Its administrator starts it with --secret-key-file FILE (or STACKHOOK_SECRET_KEY); see README, "Running a team server".');
    }
    return this.inner.set(integrationId, seal(this.key, integrationId, secret));
  }
}
