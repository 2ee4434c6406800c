// The messages of OpenTofu's and Terraform's machine-readable UI (`plan -json`, `apply -json`): one
// JSON object per line with `@level`, `@message`, `@module`, `@timestamp` and `type`, and a payload
// per type. Each line is untrusted output of a child process, so it is parsed here with zod, and a
// line that is not one of these (cut, invalid, unknown) is read as far as it can be, never trusted.
import * as z from 'zod';

/** A line longer than this is not read as JSON (the tools' lines are a few hundred bytes). */
export const MAX_UI_LINE = 1 << 20;

const Count = z.number().int().min(0).max(1e9);

export const UiResource = z.object({
  addr: z.string(),
  module: z.string().optional(),
  resource_type: z.string().optional(),
  resource_name: z.string().optional(),
});

export const UiChange = z.object({
  resource: UiResource,
  previous_resource: UiResource.optional(),
  action: z.string(),
  reason: z.string().optional(),
  importing: z.object({ id: z.string().optional() }).optional(),
});
export type UiChange = z.infer<typeof UiChange>;

export const UiChangeSummary = z.object({
  add: Count,
  change: Count,
  import: Count.optional(),
  remove: Count,
  forget: Count.optional(),
  operation: z.enum(['plan', 'apply', 'destroy']),
});
export type UiChangeSummary = z.infer<typeof UiChangeSummary>;

export const UiHook = z.object({
  resource: UiResource,
  action: z.string().optional(),
  id_key: z.string().optional(),
  id_value: z.string().optional(),
  elapsed_seconds: z.number().min(0).optional(),
  provisioner: z.string().optional(),
  output: z.string().optional(),
});
export type UiHook = z.infer<typeof UiHook>;

export const UiDiagnostic = z.object({
  severity: z.string(),
  summary: z.string(),
  detail: z.string().optional(),
  address: z.string().optional(),
  range: z
    .object({
      filename: z.string(),
      start: z.object({ line: z.number().int(), column: z.number().int().optional() }),
    })
    .optional(),
});
export type UiDiagnostic = z.infer<typeof UiDiagnostic>;

/** Output names with, in a plan, what happens to each; values (an apply's) are never read. */
export const UiOutputs = z.record(z.string(), z.object({ sensitive: z.boolean().optional(), action: z.string().optional() }));
export type UiOutputs = z.infer<typeof UiOutputs>;

export const UiMessage = z.looseObject({
  '@level': z.string().optional(),
  '@message': z.string().optional(),
  type: z.string().optional(),
});
export type UiMessage = z.infer<typeof UiMessage>;

/** A line as read: a message, text that is not JSON, or JSON that cannot be read. */
export type UiLine = { kind: 'message'; message: UiMessage } | { kind: 'text'; text: string } | { kind: 'unreadable'; length: number } | { kind: 'empty' };

export function readUiLine(line: string): UiLine {
  const trimmed = line.trim();
  if (trimmed.length === 0) return { kind: 'empty' };
  // The tools write plain text too (a crash, a provider's stray print, "[…]" prefixes): it is text, not
  // a message. A line that starts like an object is a message, or one that was cut.
  const object = trimmed.startsWith('{');
  if (!object && !trimmed.startsWith('[')) return { kind: 'text', text: trimmed };
  if (trimmed.length > MAX_UI_LINE) return { kind: 'unreadable', length: trimmed.length };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return object ? { kind: 'unreadable', length: trimmed.length } : { kind: 'text', text: trimmed };
  }
  const message = UiMessage.safeParse(parsed);
  return message.success ? { kind: 'message', message: message.data } : { kind: 'unreadable', length: trimmed.length };
}

/** The payload of a message under `key`, parsed with its schema, or null when it is not that. */
export function payload<T>(message: UiMessage, key: string, schema: z.ZodType<T>): T | null {
  const parsed = schema.safeParse(message[key]);
  return parsed.success ? parsed.data : null;
}
