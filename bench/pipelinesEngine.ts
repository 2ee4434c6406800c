// Benchmark: Bitbucket Pipelines as a run engine. (1) The API calls of one whole Pipelines run (plan
// pipeline, plan sent back, Confirm, apply pipeline), against the fake Bitbucket executing the YAML
// Stackhook suggests, ÷ the least it could cost: 1 branch read (a manual run resolves its commit) +
// 1 branch read at Confirm (stale check) + 2 triggers + the polls each pipeline's duration needs at the
// backoff schedule + the live log reads (a steps list and one ranged read of the running step per
// poll once it runs) + the status and comment writes the run's moments make. (2) A 100 MB plan sent
// back to PUT /runs/<id>/plan: its time ÷ a bare Node http server streaming the same PUT to disk, in
// the same run (goal ≤ 1.5).
import { createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HttpListener } from '../server/http/listener';
import { Logger } from '../server/log';
import * as Protocol from '../server/protocol';
import { runCallbackRoute } from '../server/runs/runCallbacks';
import type { RunBook } from '../server/runs/runBook';
import type { RunRecord } from '../server/runs/runEvent';
import { newRunToken } from '../server/runs/runTokens';
import type { Registry } from '../server/store/storeEngine';
import { freePort, PLAN_CASE, SUGGESTED_YAML, toolsFolder } from '../test/integration/pipelinesEngineSupport';
import { startFakeBitbucket } from '../test/support/fakeBitbucket';
import { fixtureFiles } from '../test/support/standinTofu';
import { startServer } from '../test/support/serverProcess';
import { atMost, type BenchmarkResult } from './support/result';
import { pollsNeeded as pollsAt } from './support/polls';

const TOKEN = 'ATATT3xFfGF0-bench-engine-token';
const POLL_MS = 100;
const POLL_MAX_MS = 400;
const UPLOAD_BYTES = 100 * 1024 * 1024;
const UPLOADS = 5;

const pollsNeeded = (totalMs: number) => pollsAt(totalMs, POLL_MS, POLL_MAX_MS);

const sum = (counts: Record<string, number>, match: (key: string) => boolean) => Object.entries(counts).reduce((total, [key, n]) => total + (match(key) ? n : 0), 0);

async function callFigures() {
  const bitbucket = await startFakeBitbucket();
  bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
  bitbucket.world.addRepository('acme/infra');
  bitbucket.world.executePipelines('acme/infra', { path: [toolsFolder([PLAN_CASE])] });
  bitbucket.pushCommit('acme/infra', 'main', { 'bitbucket-pipelines.yml': SUGGESTED_YAML, ...fixtureFiles(PLAN_CASE, 'envs/prod') });
  const port = await freePort();
  const server = await startServer({
    args: ['--bitbucket-api', bitbucket.url, '--public-url', `http://127.0.0.1:${port}`, '--listen', `127.0.0.1:${port}`],
    env: { STACKHOOK_RUN_POLL_MS: String(POLL_MS), STACKHOOK_RUN_POLL_MAX_MS: String(POLL_MAX_MS) },
  });
  const settled = async (runId: string, states: string[]) => {
    for (;;) {
      const run = await server.request(Protocol.RunsGet, { runId });
      if (states.includes(run.state) && run.reports.status !== 'pending') return run;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    await server.request(Protocol.StacksCreate, { name: 'infra', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/infra', branch: 'main', projectRoot: 'envs/prod' });
    bitbucket.resetCounts();
    const run = await server.request(Protocol.StacksTriggerRun, { stackId: 'infra' });
    await settled(run.id, ['unconfirmed']);
    await server.request(Protocol.RunsConfirm, { runId: run.id });
    const done = await settled(run.id, ['finished', 'failed', 'stopped']);
    if (done.state !== 'finished') throw new Error(`the benchmark's run ended ${done.state}: ${done.summary}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const counts = bitbucket.counts();
    const total = bitbucket.totalCalls();
    const pipelines = bitbucket.world.repository('acme/infra')?.pipelines ?? [];
    let polls = 0;
    let logPolls = 0;
    for (const p of pipelines) {
      const execution = p.execution;
      if (!execution?.completedAt) continue;
      polls += pollsNeeded(execution.completedAt - p.createdAt);
      // Once the pipeline runs: each poll reads the steps and the running step's log, and one more read after it ends.
      logPolls += pollsNeeded(execution.completedAt - (execution.startedAt ?? p.createdAt)) + 1;
    }
    const writes = sum(counts, (key) => key.includes('/statuses/') || key.includes('/comments'));
    const minimum = 2 + 2 + polls + 2 * logPolls + writes;
    return { counts, total, minimum, polls, logPolls, writes };
  } finally {
    await server.stop();
    await bitbucket.stop();
  }
}

/** Streams `bytes` of zeros as a PUT to `url`; answers the time until the answer came, in ms. */
function put(url: string, bytes: number, headers: Record<string, string>): Promise<{ ms: number; status: number }> {
  const chunk = Buffer.alloc(1024 * 1024);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'Content-Length': String(bytes) } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? 0 }));
    });
    req.on('error', reject);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function uploadFigures() {
  const folder = mkdtempSync(path.join(tmpdir(), 'stackhook-bench-upload-'));
  const token = newRunToken();
  const record = { run: { id: 'bench-run', stackId: 'infra', state: 'running' }, callback: { tokenHash: token.hash, phase: 'plan', repositoryUuid: null }, pipelineUuid: '{p}' } as unknown as RunRecord;
  const book = { refresh: async () => undefined, record: (id: string) => (id === 'bench-run' ? record : null) } as unknown as RunBook;
  const store = { read: async () => ({ stacks: [] }) } as unknown as Registry;
  const route = runCallbackRoute({ folder, book, store, verifyStepToken: async () => false, caps: { plan: 2 * UPLOAD_BYTES, planfile: 2 * UPLOAD_BYTES }, planKey: null, log: new Logger(() => undefined) });
  const listener = await HttpListener.listen({ host: '127.0.0.1', port: 0 }, { routes: [route], notFound: 'none', onError: () => undefined, limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 120_000, idleTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 128 } });
  const bare = createServer((req: IncomingMessage, res: ServerResponse) => {
    void pipeline(req, createWriteStream(path.join(folder, `bare-${Date.now()}-${Math.random()}`), { mode: 0o600 })).then(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}\n');
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/upload`;
  try {
    const stackhook: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      // Alternating which goes first, so neither always writes behind the other's dirty pages.
      const measureOwn = async () => {
        const own = await put(`${listener.url}/runs/bench-run/plan`, UPLOAD_BYTES, { Authorization: `Bearer ${token.token}` });
        if (own.status !== 200) throw new Error(`the callback answered ${own.status}`);
        stackhook.push(own.ms);
      };
      const measureFloor = async () => floor.push((await put(bareUrl, UPLOAD_BYTES, {})).ms);
      if (i % 2 === 0) await measureOwn().then(measureFloor);
      else await measureFloor().then(measureOwn);
      for (const name of readdirSync(folder)) if (name.startsWith('bare-')) rmSync(path.join(folder, name));
    }
    return { stackhook: median(stackhook), floor: median(floor) };
  } finally {
    await listener.close();
    await new Promise((resolve) => bare.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function pipelinesEngine(): Promise<BenchmarkResult> {
  const calls = await callFigures();
  const upload = await uploadFigures();
  const callRatio = calls.total / calls.minimum;
  const uploadRatio = upload.stackhook / upload.floor;
  return {
    title: 'Pipelines engine',
    rows: [
      ['figure', 'value'],
      ['API calls of one Pipelines run (plan, Confirm, apply)', `${calls.total} (${Object.entries(calls.counts).map(([k, v]) => `${k.replace('/repositories/{workspace}/{repo_slug}', '…')} ×${v}`).join(', ')})`],
      ['least it could cost', `${calls.minimum} (2 branch reads + 2 triggers + ${calls.polls} polls + ${calls.logPolls} × (steps list + log read) + ${calls.writes} status and comment writes)`],
      ['100 MB plan sent back to PUT /runs/<id>/plan, median of 5', `${upload.stackhook.toFixed(0)} ms`],
      ['the same PUT to a bare Node http server streaming it to disk', `${upload.floor.toFixed(0)} ms`],
    ],
    goals: [
      atMost('API calls of one Pipelines run ÷ the least it could cost', callRatio, 1.25, '', 2, 'polls and log reads beyond the backoff schedule, retries'),
      atMost('100 MB plan upload ÷ a bare streaming PUT to disk', uploadRatio, 1.5, '', 2, 'the token check (a run-book refresh), the size-capping transform, the rename into place and the 0600 protection'),
    ],
    notes: [
      `The fake Bitbucket executes the suggested bitbucket-pipelines.yml with the stand-in tofu; polls start at ${POLL_MS} ms and grow by half up to ${POLL_MAX_MS} ms.`,
      'The least cost counts the polls from each trigger; Stackhook first looks once it has recorded the pipeline, so a fast pipeline can cost a poll less than that.',
      'The upload goes to the callback route on Stackhook\'s front door in this process (token checked against a run waiting for its plan), the floor to a bare Node http server in the same process; both write to the same disk.',
    ],
  };
}

if (require.main === module) {
  void pipelinesEngine().then((result) => {
    console.log(result.rows.map((row) => row.join(' | ')).join('\n'));
    console.log(result.goals.map((goal) => `${goal.name}: ${goal.shown} (${goal.goal})`).join('\n'));
  });
}
