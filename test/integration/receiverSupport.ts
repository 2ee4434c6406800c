// Sends webhook deliveries the way Bitbucket Cloud does (docs/design.md §6) to a receiver on loopback,
// and reads back what the server recorded.
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import * as Protocol from '../../server/protocol';
import { signatureFor } from '../../server/webhooks/signature';
import type { ServerHandle } from '../support/serverProcess';
import type { WebhookFixture } from '../unit/webhooks/fixtures';

export const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface DeliveryOptions {
  body: Buffer | string;
  eventKey?: string | null;
  requestUuid?: string | null;
  /** Signs the body with this secret unless `signature` is given. */
  secret?: string | null;
  signature?: string | null;
  attempt?: number;
  headers?: Record<string, string>;
  /** Send without Content-Length (chunked), as a client that does not know the size would. */
  chunked?: boolean;
  path?: string;
}

export interface Answer {
  status: number;
  json: Record<string, unknown> & { verdict?: string; reason?: string; runIds?: string[]; stackIds?: string[]; duplicate?: boolean };
}

export function newRequestUuid(): string {
  return randomUUID();
}

/** POSTs one delivery; resolves with the answer even if the server stops reading the body early. */
export function deliver(baseUrl: string, integrationId: string, options: DeliveryOptions): Promise<Answer> {
  const { url, headers, body } = deliveryRequest(baseUrl, integrationId, options);
  return send(url, 'POST', headers, body);
}

/** The URL, headers and body of a delivery as Bitbucket sends it. */
export function deliveryRequest(baseUrl: string, integrationId: string, options: DeliveryOptions): { url: string; headers: Record<string, string>; body: Buffer } {
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers: Record<string, string> = {
    'User-Agent': 'Bitbucket-Webhooks/2.0',
    'Content-Type': 'application/json',
    'X-Hook-UUID': '{8f3b6c1e-5d0a-4c8e-9a27-0f1e2d3c4b5a}',
    'X-Attempt-Number': String(options.attempt ?? 1),
  };
  if (options.eventKey !== null) headers['X-Event-Key'] = options.eventKey ?? 'repo:push';
  if (options.requestUuid !== null) headers['X-Request-UUID'] = options.requestUuid ?? newRequestUuid();
  const signature = options.signature !== undefined ? options.signature : options.secret ? signatureFor(options.secret, body) : null;
  if (signature !== null) headers['X-Hub-Signature'] = signature;
  if (!options.chunked) headers['Content-Length'] = String(body.length);
  Object.assign(headers, options.headers);
  return { url: `${baseUrl}${options.path ?? `/webhooks/bitbucket-cloud/${integrationId}`}`, headers, body };
}

export function send(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method, headers, agent }, (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let json: Answer['json'] = {};
        try {
          json = JSON.parse(text) as Answer['json'];
        } catch {
          json = { unparsed: text };
        }
        resolve({ status: response.statusCode ?? 0, json });
      });
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('the answer was cut off')));
    });
    // Every test stops by itself: an answer that does not come is a failure, not a hang.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${method} ${url} within 10 s`)));
    req.on('error', (error) => {
      // The server may answer (413) and close before the whole body is written.
      if (!answered) reject(error);
    });
    if (body) req.write(body);
    req.end();
  });
}

export function deliverFixture(baseUrl: string, integrationId: string, fixture: WebhookFixture, secret: string, extra: Partial<DeliveryOptions> = {}): Promise<Answer> {
  return deliver(baseUrl, integrationId, { body: fixture.body, eventKey: fixture.eventKey, secret, ...extra });
}

export async function listenerUrl(server: ServerHandle): Promise<string> {
  const status = await server.request(Protocol.Status);
  if (status.listener.state !== 'listening' || !status.listener.url) throw new Error(`the receiver is not listening: ${JSON.stringify(status.listener)}`);
  return status.listener.url;
}

export async function recorded(server: ServerHandle): Promise<{ runs: Protocol.Run[]; deliveries: Protocol.Delivery[] }> {
  const [runs, deliveries] = await Promise.all([
    server.request(Protocol.RunsList, { limit: 10_000 }),
    server.request(Protocol.DeliveriesList, { limit: 10_000 }),
  ]);
  return { runs, deliveries };
}

export async function webhookSecret(server: ServerHandle, integrationId: string): Promise<string> {
  return (await server.request(Protocol.IntegrationsWebhookSecret, { id: integrationId })).secret;
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
