// One webhook delivery, from the integration id in its URL to its answer, in the order the rules
// set (R15–R17). Every refusal before the signature check changes nothing, except that deliveries to
// unknown or deleted integrations are recorded (R15), in a bounded log of their own and at a bounded
// rate, so "why did my push not start a run?" has an answer. An accepted delivery is on disk, in one line with the runs it queued, before it is answered.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerContext } from '../context';
import { registerSecret } from '../log';
import type { Delivery, DeliveryRecordedHeaders, DeliveryVerdict, QueuedRun as Run } from '../protocol';
import { findIntegration, isDeletedIntegration } from '../registry/integrations';
import { newRunId } from '../runIds';
import type { StoredIntegration } from '../store/schema';
import { AcceptedIndex, ACCEPTED_FOLDER, type DeliveryClaims } from './acceptedIndex';
import { DeliveryLedger } from './deliveryLedger';
import { RefusalBudget } from './refusalBudget';
import { parseEvent } from './events';
import { looseEventKey, looseRequestUuid, parseDeliveryHeaders, type DeliveryHeaders } from './headers';
import { printable } from './printable';
import { recordedHeaders } from './recordedHeaders';
import { routeEvent } from './routing';
import { checkSignature, type SignatureCheck } from './signature';
import type { StoredDelivery } from './storedDelivery';

/** Bitbucket sends at most 256 KB; anything much larger is not a delivery. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The shape of an integration id (R5). Other ids cannot name any integration, so they are not recorded. */
const INTEGRATION_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_INTEGRATION_ID = 120;

export interface DeliveryRequest {
  /** As decoded from the URL path. */
  integrationId: string;
  headers: IncomingHttpHeaders;
  /** Reads the body, or says it is over MAX_BODY_BYTES without reading the rest. */
  readBody(): Promise<Buffer | 'too-large'>;
}

/** The JSON answer Bitbucket (and a person with curl) gets. Never quotes the body. */
export interface DeliveryResponse {
  verdict: DeliveryVerdict;
  reason: string;
  deliveryId: string | null;
  stackIds: string[];
  runIds: string[];
  duplicate?: true;
}

export interface DeliveryAnswer {
  status: number;
  response: DeliveryResponse;
  /** Who it was for and what it was, as far as the request said: for log lines and the editor. */
  trace: Readonly<Trace>;
  /** One line for the log: ids, event, repository, verdict. No secret, no body. Null: not to be logged (a flood past its budget). */
  logLine: string | null;
}

export class DeliveryPipeline {
  private readonly ledger: DeliveryLedger;
  private readonly accepted: DeliveryClaims;
  private readonly refusals = new RefusalBudget();

  constructor(private readonly context: ServerContext) {
    this.ledger = new DeliveryLedger(context.deliveries);
    this.accepted = context.deliveryClaims ?? new AcceptedIndex(path.join(context.store.folder, ACCEPTED_FOLDER));
  }

  async handle(request: DeliveryRequest): Promise<DeliveryAnswer> {
    const { context } = this;
    const receivedAt = context.now();
    const trace: Trace = {
      integrationId: request.integrationId,
      requestUuid: looseRequestUuid(request.headers),
      eventKey: looseEventKey(request.headers),
      repository: null,
      headers: recordedHeaders(request.headers),
    };

    // 1. The integration named in the URL.
    const state = await context.store.read();
    const integration = findIntegration(state, request.integrationId);
    if (!integration) return this.refuseMissingIntegration(trace, isDeletedIntegration(state, request.integrationId), receivedAt);

    // 2. Size, JSON, headers.
    const body = await request.readBody();
    if (body === 'too-large') {
      return refuse(trace, 413, 'invalid', `refused: the body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB, far more than Bitbucket sends`);
    }
    const json = parseJsonObject(body);
    if (json === 'not-json') return refuse(trace, 400, 'invalid', 'refused: the body is not JSON');
    if (json === 'not-object') return refuse(trace, 400, 'invalid', 'refused: the body is JSON but not an object');
    const headers = parseDeliveryHeaders(request.headers);
    if (!headers.ok) return refuse(trace, 400, 'invalid', `refused: ${headers.problem}`);
    // Unverified until the signature is checked: only to say which repository a refusal was about.
    trace.repository = claimedRepository(json);

    // 3. R17: the signature, over the bytes as received.
    if (integration.webhookSecret !== null) {
      registerSecret(integration.webhookSecret);
      const check = checkSignature(integration.webhookSecret, body, headers.headers['x-hub-signature']);
      if (check !== 'valid') return refuse(trace, 401, 'bad-signature', signatureRefusal(check, integration));
    }

    // 4–6. R16, then parse, route and record.
    const requestUuid = headers.headers['x-request-uuid'];
    return this.ledger.exclusively(integration.id, requestUuid, async () => {
      // Deliveries recorded before the index existed are found in the log (as loaded: any later one is in the index).
      const previous = this.ledger.recorded(integration.id, requestUuid);
      if (previous) return this.answerDuplicate(trace, previous, headers.headers);
      const claim = await this.accepted.claim(integration.id, requestUuid);
      if (claim.kind === 'taken') {
        const first = claim.first ?? (await this.ledger.previous(integration.id, requestUuid));
        if (first) return this.answerDuplicate(trace, first, headers.headers);
        // The first attempt is still being handled elsewhere: this one must not queue runs again.
        throw new Error(`another attempt of ${printable(requestUuid)} is still being recorded`);
      }
      // A taker that died may have recorded it just before (its line is in the log, its record not here yet).
      const recordedBefore = claim.takenOver ? await this.ledger.previous(integration.id, requestUuid) : null;
      if (recordedBefore) {
        await claim.done(recordedBefore).catch(() => claim.abandon());
        return this.answerDuplicate(trace, recordedBefore, headers.headers);
      }
      let accepted: Awaited<ReturnType<DeliveryPipeline['accept']>>;
      try {
        accepted = await this.accept(trace, integration, headers.headers, json, receivedAt);
      } catch (error) {
        // Not recorded: a retry must be taken as new.
        await claim.abandon().catch(() => undefined);
        throw error;
      }
      await claim.done(accepted.stored).catch(async (error: unknown) => {
        // Recorded in the log, which the ledger reads: a retry is still found there.
        context.log.warn(`Delivery ${printable(requestUuid)} is recorded but not in the index of accepted deliveries: ${describeError(error)}`);
        await claim.abandon().catch(() => undefined);
      });
      return accepted.answer;
    });
  }

  private async accept(
    trace: Trace,
    integration: StoredIntegration,
    headers: DeliveryHeaders,
    body: Record<string, unknown>,
    receivedAt: Date,
  ): Promise<{ answer: DeliveryAnswer; stored: StoredDelivery }> {
    const { context } = this;
    const requestUuid = headers['x-request-uuid'];
    const eventKey = headers['x-event-key'];
    const parsed = parseEvent(eventKey, body);
    if (!parsed.ok) {
      trace.repository = parsed.repository;
      const delivery = deliveryRecord(integration.id, requestUuid, eventKey, parsed.repository, 'invalid', `refused: ${parsed.problem}`, 400, [], receivedAt, trace.headers);
      const stored = await this.record([], delivery);
      return { answer: answer(trace, delivery, []), stored };
    }
    trace.repository = parsed.event.repository;
    // Stacks as they are now, not as they were before the body arrived.
    const state = await context.store.read();
    const routing = routeEvent(parsed.event, integration.id, state.stacks);
    const runs: Run[] = routing.runs.map((planned) => ({
      id: newRunId(receivedAt),
      stackId: planned.stackId,
      kind: planned.kind,
      trigger: planned.trigger,
      branch: planned.branch,
      commit: planned.commit,
      deliveryId: requestUuid,
      createdAt: receivedAt.toISOString(),
      ...(planned.pullRequestId !== undefined ? { pullRequestId: planned.pullRequestId } : {}),
    }));
    const status = routing.verdict === 'queued' ? 202 : 200;
    const delivery = deliveryRecord(
      integration.id,
      requestUuid,
      eventKey,
      parsed.event.repository,
      routing.verdict,
      routing.reason,
      status,
      routing.stackIds,
      receivedAt,
      trace.headers,
    );
    const stored = await this.record(runs, delivery);
    // The process that accepted the delivery runs what it queued.
    context.execution?.start(runs);
    return { answer: answer(trace, delivery, runs), stored };
  }

  /** The delivery and its runs in one line: one write, one fsync, so a retry finds both or neither. */
  private async record(runs: Run[], delivery: Delivery): Promise<StoredDelivery> {
    const stored: StoredDelivery = { ...delivery, runs };
    await this.context.deliveries.append([stored]);
    this.context.changed(runs.length > 0 ? ['deliveries', 'runs'] : ['deliveries']);
    return stored;
  }

  private answerDuplicate(trace: Trace, first: StoredDelivery, headers: DeliveryHeaders): DeliveryAnswer {
    trace.repository = first.repository;
    const attempt = headers['x-attempt-number'];
    return {
      status: 200,
      response: {
        verdict: first.verdict,
        reason: first.reason,
        deliveryId: first.id,
        stackIds: first.stackIds,
        runIds: first.runs.map((run) => run.id),
        duplicate: true,
      },
      trace,
      logLine: line(trace, 200, 'duplicate', `already taken${attempt ? ` (attempt ${attempt})` : ''}, first verdict ${first.verdict}: no new runs`),
    };
  }

  private async refuseMissingIntegration(trace: Trace, deleted: boolean, receivedAt: Date): Promise<DeliveryAnswer> {
    const id = printable(trace.integrationId);
    const status = deleted ? 410 : 404;
    const verdict = deleted ? 'deleted-integration' : 'unknown-integration';
    const reason = deleted
      ? `refused: the integration "${id}" was deleted; create an integration with the same name to receive these webhooks again`
      : `refused: there is no integration "${id}"; check the URL of the Bitbucket webhook`;
    // Past the budget a refusal is neither recorded nor logged: a flood must not fill the log either.
    const budget = this.refusals.take();
    if (!INTEGRATION_ID.test(trace.integrationId) || trace.integrationId.length > MAX_INTEGRATION_ID) {
      const answered = refuse(trace, 404, 'unknown-integration', `refused: "${id}" is not an integration id; check the URL of the Bitbucket webhook`);
      return budget.record ? answered : { ...answered, logLine: null };
    }
    if (!budget.record) return { ...refuse(trace, status, verdict, reason), logLine: null };
    const skipped = budget.skippedBefore > 0 ? ` (${budget.skippedBefore} more such refusals before this one were not recorded)` : '';
    const delivery = deliveryRecord(
      trace.integrationId,
      trace.requestUuid ?? `unidentified-${randomUUID()}`,
      trace.eventKey ?? '(none)',
      null,
      verdict,
      `${reason}${skipped}`,
      status,
      [],
      receivedAt,
      trace.headers,
    );
    try {
      // Their own bounded log: a flood of them cannot push real deliveries out of the history.
      await this.context.refusals.append([{ ...delivery, runs: [] }]);
      this.context.changed(['deliveries']);
    } catch (error) {
      // The refusal stands whether or not it could be written down.
      this.context.log.warn(`Could not record the refused delivery ${printable(delivery.id)}: ${describeError(error)}`);
    }
    return answer(trace, delivery, []);
  }
}

export interface Trace {
  integrationId: string;
  requestUuid: string | null;
  eventKey: string | null;
  repository: string | null;
  /** What is kept of the request's headers with a recorded delivery: nothing secret. */
  headers: DeliveryRecordedHeaders;
}

function claimedRepository(json: Record<string, unknown>): string | null {
  const repository = json.repository;
  if (typeof repository !== 'object' || repository === null) return null;
  const fullName = (repository as { full_name?: unknown }).full_name;
  return typeof fullName === 'string' ? printable(fullName, 200) : null;
}

function parseJsonObject(body: Buffer): Record<string, unknown> | 'not-json' | 'not-object' {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'not-json';
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'not-object';
}

function signatureRefusal(check: Exclude<SignatureCheck, 'valid'>, integration: StoredIntegration): string {
  const name = printable(integration.name);
  switch (check) {
    case 'missing':
      return `refused: no X-Hub-Signature, but "${name}" has a webhook secret; set that secret on the Bitbucket webhook (or let Stackhook configure the webhook)`;
    case 'malformed':
      return 'refused: X-Hub-Signature is not sha256=<64 hex digits>';
    case 'mismatch':
      return `refused: bad signature; check that the secret on the Bitbucket webhook is the webhook secret of "${name}"`;
  }
}

function deliveryRecord(
  integrationId: string,
  id: string,
  eventKey: string,
  repository: string | null,
  verdict: DeliveryVerdict,
  reason: string,
  status: number,
  stackIds: string[],
  receivedAt: Date,
  headers: DeliveryRecordedHeaders,
): Delivery {
  return {
    id,
    integrationId,
    eventKey,
    repository: repository === null ? null : printable(repository, 200),
    verdict,
    reason: printable(reason, 2_000),
    status,
    stackIds,
    receivedAt: receivedAt.toISOString(),
    headers,
  };
}

function answer(trace: Trace, delivery: Delivery, runs: readonly Run[]): DeliveryAnswer {
  return {
    status: delivery.status,
    response: {
      verdict: delivery.verdict,
      reason: delivery.reason,
      deliveryId: delivery.id,
      stackIds: delivery.stackIds,
      runIds: runs.map((run) => run.id),
    },
    trace,
    logLine: line({ ...trace, requestUuid: delivery.id }, delivery.status, delivery.verdict, delivery.reason),
  };
}

/** A refusal that changes nothing. */
function refuse(trace: Trace, status: number, verdict: DeliveryVerdict, reason: string): DeliveryAnswer {
  return {
    status,
    response: { verdict, reason, deliveryId: null, stackIds: [], runIds: [] },
    trace,
    logLine: line(trace, status, verdict, reason),
  };
}

function line(trace: Trace, status: number, verdict: string, reason: string): string {
  const parts = [
    `delivery ${printable(trace.requestUuid ?? '-', 80)}`,
    `to ${printable(trace.integrationId, 80)}`,
    printable(trace.eventKey ?? '-', 60),
    printable(trace.repository ?? '-', 120),
    `→ ${status} ${verdict}: ${printable(reason, 400)}`,
  ];
  return parts.join(' ');
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
