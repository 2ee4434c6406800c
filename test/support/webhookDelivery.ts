// Sends a webhook the way Bitbucket Cloud does (docs/design.md §6): its headers, and
// `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>` when there is a secret (computed here with
// node:crypto, not with Stackhook's code, so a test checks the receiver against an independent
// signer). `deliverToHooks` plays Bitbucket itself: every active hook of the repository and of its
// workspace that subscribes to the event gets it, signed with that hook's own secret.
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeBitbucket, FakeHook } from './fakeBitbucket';
import type { WebhookEvent } from './pullRequestEvents';

export interface SendOptions {
  secret?: string | null;
  requestUuid?: string;
  hookUuid?: string;
  attempt?: number;
  headers?: Record<string, string>;
}

export interface SentWebhook {
  status: number;
  text: string;
  requestUuid: string;
}

export const signatureOf = (secret: string, body: string | Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function webhookHeaders(event: WebhookEvent, options: SendOptions = {}): Record<string, string> {
  return {
    'User-Agent': 'Bitbucket-Webhooks/2.0',
    'Content-Type': 'application/json',
    'X-Event-Key': event.eventKey,
    'X-Hook-UUID': options.hookUuid ?? `{${randomUUID()}}`,
    'X-Request-UUID': options.requestUuid ?? randomUUID(),
    'X-Attempt-Number': String(options.attempt ?? 1),
    ...(options.secret ? { 'X-Hub-Signature': signatureOf(options.secret, event.body) } : {}),
    ...options.headers,
  };
}

/** POSTs one delivery; Bitbucket gives up after 10 seconds, and so does this. */
export async function sendWebhook(url: string, event: WebhookEvent, options: SendOptions = {}): Promise<SentWebhook> {
  const headers = webhookHeaders(event, options);
  const response = await fetch(url, { method: 'POST', headers, body: event.body, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text(), requestUuid: headers['X-Request-UUID'] ?? '' };
}

/** Sends the event to every active hook of `fullName` and of its workspace subscribed to it, as Bitbucket would. */
export async function deliverToHooks(bitbucket: FakeBitbucket, fullName: string, event: WebhookEvent): Promise<{ hook: FakeHook; sent: SentWebhook }[]> {
  const workspace = fullName.split('/')[0] ?? '';
  const hooks = [...bitbucket.hooks(fullName), ...bitbucket.workspaceHooks(workspace)].filter((hook) => hook.active && hook.events.includes(event.eventKey));
  return Promise.all(hooks.map(async (hook) => ({ hook, sent: await sendWebhook(hook.url, event, { secret: hook.secret, hookUuid: hook.uuid }) })));
}
