// R17: Bitbucket signs a delivery with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
// The HMAC is taken over the bytes as received: re-serialising the JSON would change them.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch';

const SIGNATURE_HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** The header value Bitbucket would send for `body` signed with `secret`. */
export function signatureFor(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function checkSignature(secret: string, body: Buffer, header: string | undefined): SignatureCheck {
  if (header === undefined || header.trim() === '') return 'missing';
  const match = SIGNATURE_HEADER.exec(header.trim());
  if (!match) return 'malformed';
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(match[1] as string, 'hex');
  // Both are 32 bytes here, so timingSafeEqual cannot throw and the time taken says nothing about the secret.
  return timingSafeEqual(expected, given) ? 'valid' : 'mismatch';
}
