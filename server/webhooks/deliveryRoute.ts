// The front door's route for deliveries: `POST /webhooks/bitbucket-cloud/<integration id>`. It only
// moves bytes: the integration id out of the path, the body in (bounded), the answer back; what a
// delivery means is decided in delivery.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context';
import { describeError } from '../errors';
import { send, type Route } from '../http/routes';
import { WEBHOOK_PATH_PREFIX } from '../registry/webhookUrl';
import { MAX_BODY_BYTES, type DeliveryAnswer, type DeliveryPipeline } from './delivery';
import { printable } from './printable';

/** What the front door answers for a path no route takes: where deliveries go. */
export const NOTHING_HERE = `Nothing here. Bitbucket Cloud webhooks go to ${WEBHOOK_PATH_PREFIX}<integration id>.`;

/** Takes the paths under WEBHOOK_PATH_PREFIX; `onDelivery` hears every answer (for the log, and the editor). */
export function deliveryRoute(context: ServerContext, pipeline: DeliveryPipeline, onDelivery: (answer: DeliveryAnswer) => void): Route {
  return (path, request, response) => (path.startsWith(WEBHOOK_PATH_PREFIX) ? deliver(context, pipeline, path, request, response, onDelivery) : null);
}

async function deliver(
  context: ServerContext,
  pipeline: DeliveryPipeline,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
  onDelivery: (answer: DeliveryAnswer) => void,
): Promise<void> {
  if (request.method !== 'POST') {
    return send(response, 405, { error: 'Webhook deliveries are POST requests.' }, { Allow: 'POST' });
  }
  let integrationId: string;
  try {
    integrationId = decodeURIComponent(path.slice(WEBHOOK_PATH_PREFIX.length));
  } catch {
    integrationId = path.slice(WEBHOOK_PATH_PREFIX.length);
  }

  let answer: DeliveryAnswer;
  try {
    answer = await pipeline.handle({ integrationId, headers: request.headers, readBody: () => readBody(request) });
  } catch (error) {
    if (request.socket.destroyed || !response.writable) return; // The client hung up: nobody to answer.
    // Nothing was recorded as taken (recording is the last step), so a retry is safe and wanted.
    context.log.error(`Delivery to ${printable(integrationId)} could not be recorded: ${describeError(error)}`);
    return send(response, 503, { error: 'Stackhook could not record this delivery; Bitbucket will retry it.' }, { 'Retry-After': '5' });
  }
  onDelivery(answer);
  // A body left unread (too large, or never needed) is not drained: close the connection instead.
  const extra: Record<string, string> = request.complete ? {} : { Connection: 'close' };
  send(response, answer.status, answer.response, extra);
}

/**
 * A body over the limit is still read (and thrown away) up to DRAIN_LIMIT bytes for a short while, so
 * the client is not cut off mid-write and sees the 413; anything larger is not read at all and the
 * connection is closed after the answer.
 */
const DRAIN_LIMIT = 4 * MAX_BODY_BYTES;
const DRAIN_MS = 2_000;

function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return Promise.resolve('too-large');
  // The body is read only once the integration is known, so the client may have hung up already:
  // its 'close' has been emitted and 'end' never will be.
  if (request.destroyed) return Promise.reject(new Error('The client closed the connection before the body was read.'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let drainTimer: NodeJS.Timeout | undefined;
    const tooLarge = () => {
      clearTimeout(drainTimer);
      request.off('data', onData);
      request.pause();
      resolve('too-large');
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) return tooLarge();
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        drainTimer ??= setTimeout(tooLarge, DRAIN_MS);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      clearTimeout(drainTimer);
      resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks, size));
    });
    request.once('error', reject);
    request.once('close', () => {
      clearTimeout(drainTimer);
      if (!request.complete) reject(new Error('The client closed the connection before the body arrived.'));
    });
  });
}
