// The key that encrypts Bitbucket credentials at rest on a team server: 32 bytes, from
// `--secret-key-file` or STACKHOOK_SECRET_KEY, written as 64 hex digits or 44 base64 characters.
import { environmentSecret, readPrivateFile, SECRET_KEY_ENV } from '../startupSecrets';

export { SECRET_KEY_ENV } from '../startupSecrets';

const KEY_BYTES = 32;

export class SecretKeyError extends Error {}

export function parseSecretKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES || (!/^[0-9a-f]{64}$/i.test(trimmed) && key.toString('base64') !== trimmed)) {
    throw new SecretKeyError(
      `The secret key in ${where} is not 32 bytes written as 64 hex digits or in base64. ` +
        'Make one with: openssl rand -hex 32 > stackhook.key && chmod 600 stackhook.key',
    );
  }
  return key;
}

/**
 * The key from the file if one is named (its owner's alone, like every file that holds a secret),
 * else from the environment as start-up found it (server/startupSecrets.ts), else none.
 */
export function loadSecretKey(file: string | undefined, env?: NodeJS.ProcessEnv): Buffer | null {
  if (file) {
    let text: string;
    try {
      text = readPrivateFile(file, 'secret key');
    } catch (error) {
      throw new SecretKeyError((error as Error).message);
    }
    return parseSecretKey(text, file);
  }
  const fromEnv = env ? env[SECRET_KEY_ENV] || null : environmentSecret(SECRET_KEY_ENV);
  return fromEnv ? parseSecretKey(fromEnv, SECRET_KEY_ENV) : null;
}
