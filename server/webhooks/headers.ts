// The delivery headers Stackhook reads (docs/design.md §6), parsed at the boundary. Duplicated headers
// arrive from Node joined with ", ", which the token patterns refuse: a delivery has one of each.
import type { IncomingHttpHeaders } from 'node:http';
import * as z from 'zod';

const single = (value: unknown) => (Array.isArray(value) ? undefined : value);

/** `repo:push`, `pullrequest:comment_created`, … */
const EventKey = z.string().trim().max(100).regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/, 'is not an event key such as repo:push');
/** Shown to people as the delivery id, so printable and short. */
const RequestUuid = z.string().trim().max(128).regex(/^[\x21-\x7e]+$/, 'is not a request id');

export const DeliveryHeaders = z.object({
  'x-event-key': z.preprocess(single, EventKey),
  'x-request-uuid': z.preprocess(single, RequestUuid),
  'x-hub-signature': z.preprocess(single, z.string().max(512).optional()),
  // Only informative: a malformed attempt number is no reason to refuse a delivery.
  'x-attempt-number': z.preprocess(single, z.coerce.number().int().min(1).max(1_000).optional().catch(undefined)),
  'x-hook-uuid': z.preprocess(single, z.string().max(128).optional().catch(undefined)),
});
export type DeliveryHeaders = z.infer<typeof DeliveryHeaders>;

export type HeaderCheck = { ok: true; headers: DeliveryHeaders } | { ok: false; problem: string };

export function parseDeliveryHeaders(raw: IncomingHttpHeaders): HeaderCheck {
  const parsed = DeliveryHeaders.safeParse(raw);
  if (parsed.success) return { ok: true, headers: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const name = headerName(String(issue.path[0] ?? ''));
    return raw[String(issue.path[0] ?? '')] === undefined ? `${name} is missing` : `${name} ${issue.message}`;
  });
  return { ok: false, problem: [...new Set(problems)].join('; ') };
}

// Built once: making a zod schema costs far more than using it, and these run on every delivery.
const LooseRequestUuid = z.preprocess(single, RequestUuid);
const LooseEventKey = z.preprocess(single, EventKey);

/** A request id from headers that may be invalid, for log lines and refusal records only. */
export function looseRequestUuid(raw: IncomingHttpHeaders): string | null {
  const parsed = LooseRequestUuid.safeParse(raw['x-request-uuid']);
  return parsed.success ? parsed.data : null;
}

export function looseEventKey(raw: IncomingHttpHeaders): string | null {
  const parsed = LooseEventKey.safeParse(raw['x-event-key']);
  return parsed.success ? parsed.data : null;
}

function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`).replace('Uuid', 'UUID');
}
