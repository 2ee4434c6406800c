// One webhook delivery, from the integration id in its URL to its answer, in the order the rules
// set (R15–R17). Every refusal before the signature check changes nothing, except that deliveries to
// unknown or deleted integrations are recorded (R15), in a bounded log of their own and at a bounded
// rate, so "why did my push not start a run?" has an answer. An accepted delivery is on disk, in one
// line with the runs it queued, before it is answered; what it does is carried out by deliveryActions.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describeError } from '../errors';
import type { ServerContext } from '../context';
import { registerSecret } from '../log';
import type { Delivery, DeliveryRecordedHeaders, DeliveryVerdict, QueuedRun as Run } from '../protocol';
import { findIntegration, isDeletedIntegration } from '../registry/integrations';
import type { RegistryState, StoredIntegration } from '../registry/state';
import { AttemptsInFlight } from './attemptsInFlight';
import { act, type DeliveryAction } from './deliveryActions';
import { RefusalBudget } from './refusalBudget';
import { parseEvent, type PullRequestCommentEvent } from './events';
import { parseCommand, routeComment, type CommentIdentity } from './commentCommands';
import { integrationAccountId, needsIntegrationAccount } from './integrationAccount';
import { looseEventKey, looseRequestUuid, parseDeliveryHeaders, type DeliveryHeaders } from './headers';
import { printable } from './printable';
import { recordedHeaders } from './recordedHeaders';
import { routeEvent } from './routing';
import { readChanges } from './changedPaths';
import { diffsOf, filterByTriggerPaths } from './triggerFilter';
import { lifecycleActions } from './pullRequestLifecycle';
import { checkSignature, type SignatureCheck } from './signature';
import type { StoredDelivery } from '../store/storedDelivery';
import type { Accepted, DeliveryRecorder } from '../store/storeEngine';

/** Bitbucket sends at most 256 KB; anything much larger is not a delivery. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The shape of an integration id (R5). Other ids cannot name any integration, so they are not recorded. */
const INTEGRATION_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_INTEGRATION_ID = 120;
/** Routings of one delivery before it is answered 503 (and retried by Bitbucket): the registry rarely changes twice in a row. */
const MAX_ROUTINGS = 5;

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
  private readonly attempts = new AttemptsInFlight();
  private readonly refusals = new RefusalBudget();

  constructor(
    private readonly context: ServerContext,
    /** The store engine's (StoreEngine.deliveryRecorder). */
    private readonly recorder: DeliveryRecorder,
  ) {}

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

    // 1. The integration named in the URL. Whether to read the body at all may go by the state last
    // read (and by the latest when that has no such integration); what the delivery is checked and
    // routed against is taken once the body is in (below).
    if (!findIntegration(context.store.snapshot, request.integrationId)) {
      const latest = await context.store.read();
      if (!findIntegration(latest, request.integrationId)) return this.refuseMissingIntegration(trace, isDeletedIntegration(latest, request.integrationId), receivedAt);
    }

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
    // 3–6. Checked and routed against the registry as it is now, not as it was before the body
    // arrived; routed again if it changed before the delivery could be recorded.
    let state = await this.recorder.routingState();
    for (let routing = 1; ; routing++) {
      const outcome = await this.checkAndRecord(trace, request.integrationId, body, json, headers.headers, receivedAt, state);
      if (outcome !== 'stale') return outcome;
      if (routing === MAX_ROUTINGS) throw new Error(`the registry changed ${MAX_ROUTINGS} times while the delivery was routed`);
      state = await context.store.read();
    }
  }

  private async checkAndRecord(
    trace: Trace,
    integrationId: string,
    body: Buffer,
    json: Record<string, unknown>,
    headers: DeliveryHeaders,
    receivedAt: Date,
    state: RegistryState,
  ): Promise<DeliveryAnswer | 'stale'> {
    const { context } = this;
    const integration = findIntegration(state, integrationId);
    if (!integration) return this.refuseMissingIntegration(trace, isDeletedIntegration(state, integrationId), receivedAt);

    // 3. R17: the signature, over the bytes as received.
    if (integration.webhookSecret !== null) {
      registerSecret(integration.webhookSecret);
      const check = checkSignature(integration.webhookSecret, body, headers['x-hub-signature']);
      if (check !== 'valid') return refuse(trace, 401, 'bad-signature', signatureRefusal(check, integration));
    }

    // 4–6. R16, then parse, route, record and act.
    const requestUuid = headers['x-request-uuid'];
    return this.attempts.exclusively(integration.id, requestUuid, async () => {
      const accepted = await this.accept(trace, integration, headers, json, receivedAt, state);
      return act<DeliveryAnswer | 'stale'>(context, accepted.actions, { deliveryId: requestUuid, at: receivedAt }, async (runs, owner) => {
        // The process that records the delivery executes its runs: they are its own from the start.
        const stored: StoredDelivery = { ...accepted.delivery, runs, ...(runs.length > 0 && owner !== undefined ? { recordedBy: owner } : {}) };
        const recorded = await this.recorder.recordFirst(stored, state);
        if (recorded.kind === 'stale') return { result: 'stale' as const, changed: null };
        if (recorded.kind === 'taken') {
          if (recorded.first) return { result: this.answerDuplicate(trace, recorded.first, headers), changed: null };
          if (recorded.earlier) return { result: this.answerForgottenDuplicate(trace, requestUuid, recorded.earlier, headers), changed: null };
          // Taken, but nothing says how: this attempt must not queue runs again, and Bitbucket may retry.
          throw new Error(`another attempt of ${printable(requestUuid)} was recorded, but its record could not be read`);
        }
        return { result: answer(trace, accepted.delivery, runs), changed: runs.length > 0 ? ['deliveries', 'runs'] : ['deliveries'] };
      });
    });
  }

  /** What the delivery means for the stacks in `state`: its record and its actions. Nothing is recorded yet. */
  private async accept(
    trace: Trace,
    integration: StoredIntegration,
    headers: DeliveryHeaders,
    body: Record<string, unknown>,
    receivedAt: Date,
    state: RegistryState,
  ): Promise<{ delivery: Delivery; actions: readonly DeliveryAction[] }> {
    const { context } = this;
    const requestUuid = headers['x-request-uuid'];
    const eventKey = headers['x-event-key'];
    const parsed = parseEvent(eventKey, body);
    if (!parsed.ok) {
      trace.repository = parsed.repository;
      const delivery = deliveryRecord(integration.id, requestUuid, eventKey, parsed.repository, 'invalid', `refused: ${parsed.problem}`, 400, [], receivedAt, trace.headers);
      return { delivery, actions: [] };
    }
    trace.repository = parsed.event.repository;
    const event = parsed.event;
    const routed =
      event.kind === 'pullrequest' && event.action === 'comment_created'
        ? routeComment(event, integration, state, await this.identity(state, integration, event.pullRequest.comment))
        : routeEvent(event, integration.id, state.stacks);
    // R23: only stacks whose trigger paths match a changed path run; what changed is read once.
    const diffs = diffsOf(routed);
    const filtered = diffs.length === 0 ? routed : filterByTriggerPaths(routed, state.stacks, await readChanges(context, integration, parsed.event.repository ?? '', diffs));
    // R25: new commits supersede the pull request's queued runs, a decline stops them.
    const stops = lifecycleActions(event, integration.id, state.stacks, routed);
    const routing = stops.length === 0 ? filtered : { ...filtered, actions: [...filtered.actions, ...stops], reason: `${filtered.reason}${stopNote(stops)}` };
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
    return { delivery, actions: routing.actions };
  }

  /** Who a comment's author may be besides a linked account (R24): in one-person use, the integration's own account. */
  private async identity(state: RegistryState, integration: StoredIntegration, comment: PullRequestCommentEvent | undefined): Promise<CommentIdentity> {
    const { context } = this;
    const onePerson = context.team === undefined;
    const ids = [comment?.accountId ?? null, comment?.uuid ?? null];
    const lookUp = comment !== undefined && parseCommand(comment.raw) !== null && needsIntegrationAccount(state, onePerson, ids);
    return { onePerson, serverUser: context.user, integrationAccountId: lookUp ? await integrationAccountId(context, integration) : null };
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

  /** A retry of a delivery taken so long ago that its record left the deliveries log. */
  private answerForgottenDuplicate(trace: Trace, requestUuid: string, earlier: Accepted, headers: DeliveryHeaders): DeliveryAnswer {
    const attempt = headers['x-attempt-number'];
    return {
      status: 200,
      response: {
        verdict: earlier.verdict,
        reason: `already taken at ${earlier.at.toISOString()}; that record has left the deliveries log`,
        deliveryId: requestUuid,
        stackIds: [],
        runIds: [],
        duplicate: true,
      },
      trace,
      logLine: line(trace, 200, 'duplicate', `already taken at ${earlier.at.toISOString()}${attempt ? ` (attempt ${attempt})` : ''}, first verdict ${earlier.verdict}: no new runs`),
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

/** What the delivery log says of the runs a pull request event stops. */
function stopNote(actions: readonly DeliveryAction[]): string {
  const stops = actions.flatMap((action) => (action.kind === 'stop-pull-request-runs' ? [action.stop] : []));
  return stops.map((stop) => `; queued runs of pull request #${stop.pullRequestId} stop (${stop.summary})`).join('');
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
