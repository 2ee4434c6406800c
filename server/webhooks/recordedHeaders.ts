// The headers kept with a recorded delivery, so its details can show what Bitbucket sent. Only a
// fixed list that carries no secret is kept; the signature only as present or absent, because its
// value is an HMAC of the body under the webhook secret. Values come from the network: control
// characters go, length is capped, and any known secret that someone put in one is masked.
import type { IncomingHttpHeaders } from 'node:http';
import { redact } from '../log';
import type { DeliveryRecordedHeaders } from '../protocol';
import { printable } from './printable';

/** Bitbucket's spelling of each kept header, by Node's lower-case name. */
const KEPT = {
  'x-event-key': 'X-Event-Key',
  'x-hook-uuid': 'X-Hook-UUID',
  'x-request-uuid': 'X-Request-UUID',
  'x-attempt-number': 'X-Attempt-Number',
  'user-agent': 'User-Agent',
  'content-type': 'Content-Type',
} as const;

const MAX_VALUE = 200;

export function recordedHeaders(raw: IncomingHttpHeaders): DeliveryRecordedHeaders {
  const kept: DeliveryRecordedHeaders = { 'X-Hub-Signature': raw['x-hub-signature'] === undefined ? 'absent' : 'present' };
  for (const [lower, name] of Object.entries(KEPT) as [keyof typeof KEPT, (typeof KEPT)[keyof typeof KEPT]][]) {
    const value = raw[lower];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    kept[name] = printable(redact(text), MAX_VALUE);
  }
  return kept;
}
