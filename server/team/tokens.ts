// Personal access tokens: 256 random bits, shown once, kept only as a SHA-256 hash. A hash without a
// salt is enough here because the token is random, not a password a person chose.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'shk_';
export const DEFAULT_TOKEN_DAYS = 90;
/** An invitation is redeemed once for a personal token; its own prefix keeps the two apart on sight. */
export const INVITATION_PREFIX = 'shi_';
export const DEFAULT_INVITATION_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export function newToken(prefix: string = TOKEN_PREFIX): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function expiryAfter(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY_MS).toISOString();
}

/** The bearer token of an `Authorization` header, or null when there is none of the right shape. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? (match[1] as string) : null;
}
