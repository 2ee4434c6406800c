// In one-person use, the integration's own Bitbucket account is the person (R24): their comments
// command with the server's user. Which account that is comes from GET /user with the integration's
// credential, asked once per integration and credential in this process, within the same deadline as
// other reads a delivery waits for; not knowing it only means the comment needs a linked account.
import { createHash } from 'node:crypto';
import type { RegistryState, StoredIntegration } from '../registry/state';
import { credentialOf } from '../secrets/credentialStore';
import { CHANGED_PATHS_DEADLINE_MS, type ChangeReaderHost } from './changedPaths';

const known = new Map<string, string | null>();

export async function integrationAccountId(host: ChangeReaderHost, integration: StoredIntegration): Promise<string | null> {
  let credential;
  try {
    credential = await credentialOf(host.credentials, integration);
  } catch {
    return null;
  }
  // Keyed by a hash of the credential, so a new token (perhaps another account's) is asked again.
  const key = `${integration.id}\u0000${createHash('sha256').update(`${credential.username}\u0000${credential.secret}`).digest('hex')}`;
  if (known.has(key)) return known.get(key) ?? null;
  try {
    const test = await host.bitbucket.testCredential(credential, { signal: AbortSignal.timeout(CHANGED_PATHS_DEADLINE_MS) });
    const accountId = test.user?.accountId ?? null;
    if (test.ok) known.set(key, accountId);
    return accountId;
  } catch {
    return null;
  }
}

/** Whether a comment's author needs the integration's account to be known: not linked, on one person's server. */
export function needsIntegrationAccount(state: RegistryState, onePerson: boolean, ids: readonly (string | null)[]): boolean {
  return onePerson && !ids.some((id) => id !== null && (state.accountLinks ?? []).some((link) => link.accountId === id));
}
