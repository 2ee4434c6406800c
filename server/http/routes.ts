// What the front door (listener.ts) is handed: routes, each answering the requests whose path it
// takes. Deliveries (webhooks/deliveryRoute.ts), `/healthz` (health.ts) and a team server's
// `/rpc/redeem` (team/redeemEndpoint.ts) are routes; the `/rpc` upgrade goes to the listener apart.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers the request when `path` is one of its own; returns null to leave it to the next route. */
export type Route = (path: string, request: IncomingMessage, response: ServerResponse) => Promise<void> | null;

/** A JSON answer, never cached; nothing is sent on a response already answered or gone. */
export function send(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}
