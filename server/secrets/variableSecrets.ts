// Where secret variable values live: the same store as Bitbucket credentials (never the registry):
// the editor's SecretStorage (`--secrets client`), `<store>/credentials.json` (0600, `--secrets
// file`), or sealed with the secret key on a team server, under their own ids. A value is read back
// only to build a run's environment, and is registered for masking before anything can print it.
import { registerCredential } from '../log';
import type { StoredVariable } from '../registry/state';
import type { CredentialStore } from './credentialStore';

/** The id a secret variable is kept under, beside the integrations' credentials. */
export const variableSecretId = (variable: Pick<StoredVariable, 'scope' | 'ownerId' | 'name'>): string => `variable.${variable.scope}.${variable.ownerId}.${variable.name}`;

export async function setVariableSecret(store: CredentialStore, variable: Pick<StoredVariable, 'scope' | 'ownerId' | 'name'>, value: string | null): Promise<void> {
  if (value !== null) registerCredential(value);
  await store.set(variableSecretId(variable), value);
}

/**
 * The environment of a run from its stack's variables (in the order they reach it), secret values
 * read and registered for masking; answers the secret values too, for the run's own log masking.
 */
export async function variableEnvironment(store: CredentialStore, variables: readonly StoredVariable[]): Promise<{ env: Record<string, string>; secrets: string[] }> {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const variable of variables) {
    if (!variable.secret) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const value = await store.get(variableSecretId(variable));
    if (value === null) continue;
    registerCredential(value);
    secrets.push(value);
    env[variable.name] = value;
  }
  return { env, secrets };
}

/**
 * Every secret variable value the store keeps, registered for masking: a run's log masks them all,
 * not only its own stack's, since one stack's code could print another's secret it learnt elsewhere.
 */
export async function allSecretValues(store: CredentialStore, variables: readonly StoredVariable[]): Promise<string[]> {
  const values: string[] = [];
  for (const variable of variables.filter((candidate) => candidate.secret)) {
    const value = await store.get(variableSecretId(variable)).catch(() => null);
    if (value === null) continue;
    registerCredential(value);
    values.push(value);
  }
  return values;
}
