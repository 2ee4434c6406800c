// Who a Bitbucket account is in Stackhook (R24): a pull request comment is matched to a Stackhook
// user by its author's Atlassian account id, so `/stackhook plan` runs with that user's rights. One
// account belongs to one user and a user has one account: linking again moves the link.
import { invalid } from '../errors';
import type { RegistryState, StoredAccountLink } from './state';

/** Atlassian account ids: `557058:6f2c…` (with a colon) or 24 hex digits; Bitbucket's UUIDs in braces are accepted too. */
const ACCOUNT_ID = /^(?:[0-9A-Za-z]{1,24}:[0-9A-Fa-f-]{8,64}|[0-9A-Fa-f]{24}|\{[0-9A-Fa-f-]{36}\})$/;

export function checkAccountId(accountId: string): string {
  const trimmed = accountId.trim();
  if (!ACCOUNT_ID.test(trimmed)) {
    throw invalid(
      `"${trimmed.slice(0, 80)}" is not an Atlassian account id. It looks like 557058:6f2c1c4e-… and is the account_id of GET /user, or of the person's profile in Bitbucket.`,
    ).about('accountId');
  }
  return trimmed;
}

export function accountLinksOf(state: RegistryState): readonly StoredAccountLink[] {
  return state.accountLinks ?? [];
}

/** Links `accountId` to `user`, replacing any other link of either. */
export function linkAccount(state: RegistryState, user: string, accountId: string, linkedBy: string, now: Date): StoredAccountLink {
  const link: StoredAccountLink = { user, accountId: checkAccountId(accountId), linkedBy, linkedAt: now.toISOString() };
  state.accountLinks = [...accountLinksOf(state).filter((existing) => existing.user !== user && existing.accountId !== link.accountId), link];
  return link;
}

/** The Stackhook user an account is linked to, or null. Comments carry the account id and the uuid; either may be linked. */
export function userOfAccount(state: RegistryState, ids: readonly (string | null)[]): string | null {
  for (const id of ids) {
    if (id === null) continue;
    const link = accountLinksOf(state).find((candidate) => candidate.accountId === id);
    if (link) return link.user;
  }
  return null;
}
