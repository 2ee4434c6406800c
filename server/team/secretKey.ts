// The key that encrypts Bitbucket credentials at rest on a team server: 32 bytes, from
// `--secret-key-file` or STACKHOOK_SECRET_KEY, written as 64 hex digits or 44 base64 characters.
import { readFileSync } from 'node:fs';

export const SECRET_KEY_ENV = 'STACKHOOK_SECRET_KEY';
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

/** The key from the file if one is named, else from the environment, else none. */
export function loadSecretKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SecretKeyError(`The secret key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
    }
    return parseSecretKey(text, file);
  }
  const fromEnv = env[SECRET_KEY_ENV];
  return fromEnv ? parseSecretKey(fromEnv, SECRET_KEY_ENV) : null;
}
