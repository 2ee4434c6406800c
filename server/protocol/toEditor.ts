// The methods the server calls on the editor, by name alone. The editor registers its handlers for
// them while it activates, before it loads the protocol's schemas (zod, and every request's params and
// result: dist/protocol.js, loaded on the first request), so their names stand apart here; methods.ts
// defines each of them, with its schemas, under the same name.
export const TO_EDITOR = {
  changed: 'stackhook/changed',
  deliveryRefused: 'stackhook/deliveryRefused',
  secretsGet: 'stackhook/secrets/get',
  secretsStore: 'stackhook/secrets/store',
} as const;
