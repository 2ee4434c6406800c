// A `pipelines` run's token: what its pipeline presents to call Stackhook back (the plan, the plan
// file). Random, given to the pipeline as a secured variable and to nothing else, kept only as its
// SHA-256 in the run's events, replaced by a fresh one for the apply, and void once the run ends
// (runCallbacks.ts checks all of that). It authorises that run's callbacks and nothing more.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'shr_';

export interface RunToken {
  /** Given to the pipeline, never kept. */
  token: string;
  /** Kept with the run. */
  hash: string;
}

export function newRunToken(): RunToken {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRunToken(token) };
}

export function hashRunToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` is the one whose hash is kept, compared in constant time (both sides are 32-byte digests). */
export function runTokenMatches(keptHash: string, token: string): boolean {
  const kept = Buffer.from(keptHash, 'hex');
  const given = createHash('sha256').update(token, 'utf8').digest();
  return kept.length === given.length && timingSafeEqual(kept, given);
}

/** Whether a bearer value is shaped like a run token (else it may be a step's OIDC token). */
export const looksLikeRunToken = (value: string): boolean => value.startsWith(PREFIX);
