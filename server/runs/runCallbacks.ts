// The front door's route for a `pipelines` run's callbacks (docs/design.md §4, R20–R22):
//   PUT /runs/<run id>/plan      the plan step's `show -json` document (Content-Encoding: gzip accepted)
//   PUT /runs/<run id>/planfile  the plan step's binary plan file
//   GET /runs/<run id>/planfile  the apply step fetching the confirmed plan file back
// each with `Authorization: Bearer <run token>` (or the step's OIDC token). A missing, wrong, used-up
// or other run's token and an ended run all get the same short 401; a good token for a run in the
// wrong phase gets 409 (a plan for a run not waiting for one). Uploads stream to disk within their
// caps (pipelinePlans.ts). The route only checks and moves bytes: the run's owner reads the plan.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { describeError } from '../errors';
import { send, type Route } from '../http/routes';
import type { Logger } from '../log';
import type { Registry } from '../store/storeEngine';
import { keepUpload, uploadLabel, uploadPath, uploadSize, UploadTooLarge, type UploadCaps, type UploadKind } from './pipelinePlans';
import { openProtected, protectFile } from './planFiles';
import type { RunBook } from './runBook';
import { isFinal, type RunRecord } from './runEvent';
import { looksLikeRunToken, runTokenMatches } from './runTokens';
import { looksLikeJwt, type StepTokenVerifier } from './stepOidc';

export const RUN_CALLBACK_PREFIX = '/runs/';

/**
 * A refused upload's body is still read (and thrown away) up to this much for a short while, so the
 * client is not cut off mid-write and sees the answer; past it the connection closes after the answer.
 */
const DRAIN_LIMIT = 8 * 1024 * 1024;
const DRAIN_MS = 2_000;

function drain(request: IncomingMessage): Promise<void> {
  if (request.complete || request.socket.destroyed) return Promise.resolve();
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return Promise.resolve();
  return new Promise((resolve) => {
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) done();
    };
    const timer = setTimeout(done, DRAIN_MS);
    request.on('data', onData);
    request.once('end', done);
    request.once('close', done);
  });
}

/** Answers a request whose body is not taken, after reading a little of it (see DRAIN_LIMIT). */
async function refuse(request: IncomingMessage, response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): Promise<void> {
  await drain(request);
  send(response, status, body, { ...headers, Connection: 'close' });
}

/** Every refused token gets these bytes, whatever the reason (the host's log says which). */
const UNAUTHORIZED = { error: 'Unauthorized.' };

export interface RunCallbackDeps {
  /** The store folder uploads are kept in (the run book's). */
  readonly folder: string;
  readonly book: RunBook;
  readonly store: Registry;
  readonly verifyStepToken: StepTokenVerifier;
  readonly caps: UploadCaps;
  /** The key that seals plans at rest on a team server (null: kept 0600 only). */
  readonly planKey: Buffer | null;
  readonly log: Logger;
}

interface Target {
  runId: string;
  what: UploadKind;
}

function targetOf(path: string): Target | null {
  const match = /^\/runs\/([^/]+)\/(plan|planfile)$/.exec(path);
  if (!match) return null;
  try {
    return { runId: decodeURIComponent(match[1] as string), what: match[2] as UploadKind };
  } catch {
    return null;
  }
}

/** Takes `/runs/<id>/plan` and `/runs/<id>/planfile`; any other path under /runs/ is left to the next route. */
export function runCallbackRoute(deps: RunCallbackDeps): Route {
  return (path, request, response) => {
    const target = path.startsWith(RUN_CALLBACK_PREFIX) ? targetOf(path) : null;
    return target ? answer(deps, target, request, response) : null;
  };
}

function bearerOf(request: IncomingMessage): string | null {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S{1,8192})\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/** Whether the bearer authorises this run's callbacks now: its current token, or its current pipeline's step token. */
async function authorised(deps: RunCallbackDeps, record: RunRecord | null, bearer: string | null): Promise<string | null> {
  if (bearer === null) return 'no bearer token';
  if (record === null) return 'no such run';
  if (isFinal(record.run)) return `the run has ended (${record.run.state})`;
  if (record.callback === null) return 'the run takes no callbacks';
  if (looksLikeRunToken(bearer)) return runTokenMatches(record.callback.tokenHash, bearer) ? null : 'not the run\'s current token';
  if (!looksLikeJwt(bearer) || record.pipelineUuid === null) return 'not a run token';
  const state = await deps.store.read();
  const stack = state.stacks.find((candidate) => candidate.id === record.run.stackId);
  if (!stack) return 'the run\'s stack is gone';
  const ok = await deps.verifyStepToken(bearer, { workspace: stack.repository.split('/')[0] ?? '', pipelineUuid: record.pipelineUuid, repositoryUuid: record.callback.repositoryUuid });
  return ok ? null : 'a step token that is not valid for this run\'s pipeline';
}

/** Whether the run is in the phase this callback is for: a plan coming back, or the plan file fetched to apply. */
function phaseProblem(record: RunRecord, method: string): string | null {
  const callback = record.callback;
  if (method === 'PUT') {
    return callback?.phase === 'plan' && (record.run.state === 'preparing' || record.run.state === 'running') ? null : `Run ${record.run.id} is not waiting for a plan (it is ${record.run.state}).`;
  }
  return callback?.phase === 'apply' && record.run.state === 'applying' ? null : `Run ${record.run.id} is not applying (it is ${record.run.state}): its plan file is fetched only by its apply pipeline.`;
}

async function answer(deps: RunCallbackDeps, target: Target, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? '';
  const allowed = target.what === 'plan' ? ['PUT'] : ['PUT', 'GET'];
  if (!allowed.includes(method)) return refuse(request, response, 405, { error: `${allowed.join(' or ')} only.` }, { Allow: allowed.join(', ') });
  await deps.book.refresh().catch(() => undefined);
  const record = deps.book.record(target.runId);
  const refused = await authorised(deps, record, bearerOf(request));
  if (refused !== null || record === null) {
    deps.log.info(`A callback to ${method} ${target.what} of run ${target.runId.slice(0, 40)} was refused: ${refused ?? 'no such run'}.`);
    return refuse(request, response, 401, UNAUTHORIZED, { 'WWW-Authenticate': 'Bearer' });
  }
  const problem = phaseProblem(record, method);
  if (problem !== null) return refuse(request, response, 409, { error: problem });
  if (method === 'GET') return sendPlanFile(deps, target.runId, response);
  return receive(deps, target, request, response);
}

async function receive(deps: RunCallbackDeps, target: Target, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const cap = deps.caps[target.what];
  const declared = Number(request.headers['content-length']);
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && !(encoding === 'gzip' && target.what === 'plan')) {
    return refuse(request, response, 415, { error: target.what === 'plan' ? 'The plan is sent as is or with Content-Encoding: gzip.' : 'The plan file is sent as is.' });
  }
  if (encoding === 'identity' && Number.isFinite(declared) && declared > cap) {
    return refuse(request, response, 413, { error: `The ${target.what === 'plan' ? 'plan' : 'plan file'} is over ${cap} bytes, the most Stackhook keeps.` });
  }
  try {
    const bytes = await keepUpload(deps.folder, target.runId, target.what, request, cap, encoding === 'gzip');
    await protectFile(uploadPath(deps.folder, target.runId, target.what), deps.planKey, uploadLabel(target.runId, target.what));
    deps.log.info(`Run ${target.runId} sent back its ${target.what === 'plan' ? 'plan' : 'plan file'} (${bytes} bytes).`);
    send(response, 200, { runId: target.runId, received: target.what, bytes });
  } catch (error) {
    if (error instanceof UploadTooLarge) return refuse(request, response, 413, { error: `The ${target.what === 'plan' ? 'plan' : 'plan file'} is over ${error.cap} bytes, the most Stackhook keeps.` });
    // The client hung up: nobody to answer (a request read to its end counts as destroyed, its socket does not).
    if (request.socket.destroyed || !response.writable) return;
    const gzip = (error as NodeJS.ErrnoException).code?.startsWith('Z_') === true;
    if (gzip) return refuse(request, response, 400, { error: 'The plan is not valid gzip.' });
    deps.log.error(`The ${target.what} of run ${target.runId} could not be kept: ${describeError(error)}`);
    send(response, 503, { error: 'Stackhook could not keep this upload; send it again.' }, { Connection: 'close', 'Retry-After': '5' });
  }
}

async function sendPlanFile(deps: RunCallbackDeps, runId: string, response: ServerResponse): Promise<void> {
  const size = await uploadSize(deps.folder, runId, 'planfile');
  if (size === null) return send(response, 404, { error: `Run ${runId} has no plan file: its plan step did not send one back.` });
  let body: Readable;
  try {
    body = await openProtected(uploadPath(deps.folder, runId, 'planfile'), deps.planKey, uploadLabel(runId, 'planfile'));
  } catch (error) {
    deps.log.error(`The plan file of run ${runId} could not be opened: ${describeError(error)}`);
    return send(response, 503, { error: 'Stackhook could not open this run\'s plan file.' }, { Connection: 'close' });
  }
  // Sealed on disk, so its plain length is known only as it streams: sent chunked.
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' });
  await pipeline(body, response).catch(() => response.destroy());
}
