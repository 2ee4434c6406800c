// Secrets the process is given when it starts, by environment (STACKHOOK_SECRET_KEY, PGPASSWORD) or
// by file (--secret-key-file, --database-password-file): read once, kept in memory, and removed from
// process.env at once, so that no child process (git, a run's command) can inherit them.
//
// Removing a variable from process.env does not erase it from /proc/<pid>/environ, which shows the
// environment the process was started with for as long as it runs; processes of the same user can
// read it there. That is why a local run executes in a PID namespace of its own (runs/sandbox.ts),
// where the server's /proc is not, and why secrets are better given by file.
import { readFileSync, statSync } from 'node:fs';

export const SECRET_KEY_ENV = 'STACKHOOK_SECRET_KEY';
export const DATABASE_PASSWORD_ENV = 'PGPASSWORD';

const SECRET_NAMES = [SECRET_KEY_ENV, DATABASE_PASSWORD_ENV] as const;
type SecretName = (typeof SECRET_NAMES)[number];

const taken = new Map<SecretName, string>();

/** Moves the secrets out of the environment; call it first thing at start. */
export function takeSecretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_NAMES) {
    const value = env[name];
    if (value === undefined) continue;
    if (value !== '') taken.set(name, value);
    delete env[name];
  }
}

/** Forgets what start-up took (unit tests, which take from environments of their own). */
export function forgetTakenSecrets(): void {
  taken.clear();
}

/** A secret the environment gave at start (or gives now, where nothing took it: unit tests). */
export function environmentSecret(name: SecretName, env: NodeJS.ProcessEnv = process.env): string | null {
  return taken.get(name) ?? (env[name] || null);
}

export class SecretFileError extends Error {}

/** A file only its owner may read or change (a key, a password): refused otherwise, with how to fix it. */
export function readPrivateFile(file: string, what: string): string {
  let mode: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new SecretFileError(`The ${what} file ${file} is not a file.`);
    mode = stats.mode;
    if ((mode & 0o077) === 0) return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof SecretFileError) throw error;
    throw new SecretFileError(`The ${what} file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  throw new SecretFileError(
    `The ${what} file ${file} can be read or changed by others (mode 0${(mode & 0o777).toString(8)}): make it its owner's alone with chmod 600 ${file}, then start again.`,
  );
}

/** The database's password: from --database-password-file, else PGPASSWORD as given at start, else none (a .pgpass file, or no password). */
export function databasePassword(file: string | null): string | null {
  if (file !== null) return readPrivateFile(file, 'database password').replace(/\r?\n$/, '');
  return environmentSecret(DATABASE_PASSWORD_ENV);
}
