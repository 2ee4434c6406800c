// Who may connect to a team server: users, their personal tokens and the one-time invitations that are
// exchanged for one, as every store engine keeps them (the file engine in store/files/userDirectory.ts,
// PostgreSQL in store/postgres/userDirectory.ts). A token revoked by another process (`tokens revoke`
// on the host) must end the connections it opened, so each engine can say how the tokens of open
// connections stand now and tell when they may have changed.
import * as z from 'zod';
import { notFound } from '../errors';
import { DEFAULT_TOKEN_DAYS, INVITATION_PREFIX, expiryAfter, hashToken, newToken, newTokenId } from './tokens';

export const TeamUser = z.object({ name: z.string(), createdAt: z.string() });
export const TokenRecord = z.object({
  id: z.string(),
  user: z.string(),
  hash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
});
/** A one-time invitation: its own list, so no reader of `tokens` can mistake it for a personal token. */
export const InvitationRecord = TokenRecord.extend({
  usedAt: z.string().nullable(),
  /** The personal token the redemption gave, once it is used. */
  redeemedTokenId: z.string().nullable(),
});
export type TeamUser = z.infer<typeof TeamUser>;
export type TokenRecord = z.infer<typeof TokenRecord>;
export type InvitationRecord = z.infer<typeof InvitationRecord>;

/** A token as it is handed out: the secret itself exists only in this value, once. */
export interface IssuedToken {
  readonly id: string;
  readonly user: string;
  readonly token: string;
  readonly expiresAt: string;
}

/** Why a token did not authenticate; said in the server's log, never to the client. */
export type TokenRefusal = 'unknown' | 'expired' | 'revoked';
/** A token that authenticates, with when it stops; or why it does not. */
export type TokenVerdict = { user: string; tokenId: string; expiresAt: string } | { refused: TokenRefusal };
export type InvitationRefusal = TokenRefusal | 'used';

export type ListedUser = TeamUser & { tokens: Array<Omit<TokenRecord, 'hash'>>; invitations: Array<Omit<InvitationRecord, 'hash'>> };

export interface UserDirectory {
  addUser(name: string, now: Date): Promise<TeamUser>;
  listUsers(): Promise<ListedUser[]>;
  createToken(user: string, now: Date, days: number): Promise<IssuedToken>;
  /** Revokes a personal token or an invitation, whichever has the id. */
  revokeToken(id: string, now: Date): Promise<TokenRecord>;
  /** Personal tokens only: an invitation authenticates nothing, it is only redeemed. */
  authenticate(token: string, now: Date): Promise<TokenVerdict>;
  /** How the personal tokens of these ids stand now; an id no longer kept is `unknown`. */
  checkTokens(ids: readonly string[], now: Date): Promise<Map<string, TokenVerdict>>;
  /**
   * Calls `changed` soon after tokens may have changed, in this process or another (a revocation on
   * the host). A hint only, which may be late or lost: callers also check on a timer. Returns a stop function.
   */
  watchTokens(changed: () => void): () => void;
  createInvitation(user: string, now: Date, days: number): Promise<IssuedToken>;
  /**
   * Marks the invitation used and issues its user a personal token, in one step that only one of any
   * number of concurrent redemptions can take.
   */
  redeemInvitation(invitation: string, now: Date): Promise<IssuedToken | { refused: InvitationRefusal }>;
}

/** The rules both engines share: a token is good while it is neither revoked nor past its expiry. */
export function judgeToken(record: TokenRecord | undefined, now: Date): TokenVerdict {
  if (!record) return { refused: 'unknown' };
  if (record.revokedAt !== null) return { refused: 'revoked' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { refused: 'expired' };
  return { user: record.user, tokenId: record.id, expiresAt: record.expiresAt };
}

/** `checkTokens` for either engine, from the records found for the ids. */
export function judgeTokens(ids: readonly string[], records: readonly TokenRecord[], now: Date): Map<string, TokenVerdict> {
  const byId = new Map(records.map((record) => [record.id, record]));
  return new Map(ids.map((id) => [id, judgeToken(byId.get(id), now)]));
}

/** Why an invitation cannot be redeemed, or null when it can. */
export function invitationRefusal(record: InvitationRecord | undefined, now: Date): InvitationRefusal | null {
  if (record?.usedAt) return 'used';
  const verdict = judgeToken(record, now);
  return 'refused' in verdict ? verdict.refused : null;
}

/** A new secret with what is stored of it; whose it is comes with the record. */
export function mintToken(now: Date, days: number, prefix?: string) {
  const token = newToken(prefix);
  return { token, id: newTokenId(), hash: hashToken(token), createdAt: now.toISOString(), expiresAt: expiryAfter(now, days) };
}

export function issueToken(user: string, now: Date, days: number, prefix?: string): { issued: IssuedToken; record: TokenRecord } {
  const { token, ...stored } = mintToken(now, days, prefix);
  const record: TokenRecord = { ...stored, user, revokedAt: null };
  return { issued: { id: record.id, user, token, expiresAt: record.expiresAt }, record };
}

export function issueInvitation(user: string, now: Date, days: number): { issued: IssuedToken; record: InvitationRecord } {
  const { issued, record } = issueToken(user, now, days, INVITATION_PREFIX);
  return { issued, record: { ...record, usedAt: null, redeemedTokenId: null } };
}

/**
 * An invitation for `name`, who is added first if the directory has no such user: how the editor's
 * Invite User and the host's `users invite` both do it.
 */
export async function inviteInto(directory: UserDirectory, name: string, now: Date, days: number): Promise<{ issued: IssuedToken; newUser: boolean }> {
  const newUser = !(await directory.listUsers()).some((user) => user.name === name);
  if (newUser) await directory.addUser(name, now);
  return { issued: await directory.createInvitation(name, now, days), newUser };
}

/** A redemption gives the same kind of personal token as `tokens create`: 90 days, its own id. */
export const REDEEMED_TOKEN_DAYS = DEFAULT_TOKEN_DAYS;

/** What a listing shows of a record: everything but the hash. */
export const withoutHash = <T extends { hash: string }>({ hash: _hash, ...rest }: T): Omit<T, 'hash'> => rest;

export const noSuchUser = (name: string) => notFound(`There is no user "${name}". Add it first: stackhook-server users add ${name}.`);
export const noSuchToken = (id: string) => notFound(`There is no token with the id "${id}". \`users list\` shows every token's id.`);
