// Benchmark 5, runs: how long from an accepted delivery to the triggered pipeline (p50, p99), how
// many API calls one Pipelines run costs against the least it could (1 trigger + the polls its
// duration needs at the backoff schedule + status writes + comment writes), and what the local
// runner's checkout and spawn cost against running the same command in an existing folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../server/protocol';
import { GitCheckouts } from '../server/runs/gitCheckout';
import { deliver, listenerUrl, webhookSecret } from '../test/integration/receiverSupport';
import { PIPELINES_YAML } from '../test/integration/runSupport';
import { pushBody } from '../test/editor/support/webhook';
import { startFakeBitbucket } from '../test/support/fakeBitbucket';
import { startServer } from '../test/support/serverProcess';
import { atMost, type BenchmarkResult } from './support/result';
import { pollsNeeded as pollsAt } from './support/polls';

const TOKEN = 'ATATT3xFfGF0-bench-runs-token';
const RUNS = 40;
const POLL_MS = 100;
const POLL_MAX_MS = 400;
const PENDING_MS = 100;
const DURATION_MS = 900;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const median = (values: number[]) => percentile(values, 50);

const pollsNeeded = (totalMs: number) => pollsAt(totalMs, POLL_MS, POLL_MAX_MS);

async function pipelinesFigures() {
  const bitbucket = await startFakeBitbucket();
  bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
  bitbucket.world.addRepository('acme/network');
  const repository = bitbucket.world.repository('acme/network');
  if (repository) repository.pipelineScript = { ...repository.pipelineScript, pendingMs: PENDING_MS, durationMs: DURATION_MS };
  const commit = bitbucket.pushCommit('acme/network', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML });
  const server = await startServer({
    args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'],
    env: { STACKHOOK_RUN_POLL_MS: String(POLL_MS), STACKHOOK_RUN_POLL_MAX_MS: String(POLL_MAX_MS), STACKHOOK_RUN_CONCURRENCY: '4' },
  });
  try {
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    const secret = await webhookSecret(server, 'acme-main');
    const url = await listenerUrl(server);
    await server.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main' });
    // Latency: one delivery at a time (proposed runs of other branches, so none waits for another).
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = repository?.pipelines.length ?? 0;
      const answer = await deliver(url, 'acme-main', { body: pushBody('acme/network', `feature/${i}`, commit), eventKey: 'repo:push', secret });
      const answeredAt = Date.now();
      while ((repository?.pipelines.length ?? 0) === before) await new Promise((resolve) => setTimeout(resolve, 2));
      latencies.push((repository?.pipelines.at(-1)?.createdAt ?? Date.now()) - answeredAt);
      if (answer.status !== 202) throw new Error(`delivery ${i} answered ${answer.status}`);
    }
    // Wait for every run to end, then count the calls of one more, alone.
    const settled = async () => (await server.request(Protocol.RunsList, { limit: 1_000 })).every((run) => ['finished', 'failed', 'stopped'].includes(run.state) && run.reports.status !== 'pending');
    while (!(await settled())) await new Promise((resolve) => setTimeout(resolve, 50));
    bitbucket.resetCounts();
    const one = await server.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    while ((await server.request(Protocol.RunsGet, { runId: one.id })).reports.status === 'pending' || !['finished', 'failed'].includes((await server.request(Protocol.RunsGet, { runId: one.id })).state)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const counts = bitbucket.counts();
    const total = bitbucket.totalCalls();
    const polls = pollsNeeded(PENDING_MS + DURATION_MS);
    // 1 branch read (a manual run resolves its commit) + 1 trigger + polls + 2 status writes; the log is
    // read live (R22): once the pipeline runs, each poll lists the steps and reads each step's new part, and once more at its end.
    const minimum = 1 + 1 + polls + 2 + 0;
    const logReads = (pollsNeeded(DURATION_MS) + 1) * (1 + (repository?.pipelineScript.steps.length ?? 1));
    return { latencies, counts, total, minimum, logReads, polls };
  } finally {
    await server.stop();
    await bitbucket.stop();
  }
}

function runCommand(argv: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd, stdio: 'ignore', detached: true });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - started));
  });
}

async function localFigures() {
  const bitbucket = await startFakeBitbucket();
  bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
  bitbucket.world.addRepository('acme/local');
  const files = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`modules/m${i}/main.tf`, `# module ${i}\n`.repeat(20)]));
  const commit = bitbucket.pushCommit('acme/local', 'main', files);
  const folder = mkdtempSync(path.join(tmpdir(), 'stackhook-bench-local-'));
  const command = [process.execPath, '-e', "console.log('Plan: 1 to add, 0 to change, 0 to destroy.')"];
  try {
    const checkouts = new GitCheckouts(folder);
    const access = { url: `${bitbucket.origin}/acme/local.git`, token: TOKEN };
    // The first checkout clones into the cache; the figures are for runs after it, as on a used machine.
    const warm = await checkouts.checkout('acme/local', access, commit, 'warm', new AbortController().signal);
    await checkouts.remove('acme/local', 'warm');
    const withCheckout: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const worktree = await checkouts.checkout('acme/local', access, commit, `run-${i}`, new AbortController().signal);
      await runCommand(command, worktree);
      await checkouts.remove('acme/local', `run-${i}`);
      withCheckout.push(performance.now() - started);
      bare.push(await runCommand(command, warm.length > 0 ? folder : folder));
    }
    return { withCheckout: median(withCheckout), bare: median(bare) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await bitbucket.stop();
  }
}

export async function runCost(): Promise<BenchmarkResult> {
  const pipelines = await pipelinesFigures();
  const local = await localFigures();
  const p50 = percentile(pipelines.latencies, 50);
  const p99 = percentile(pipelines.latencies, 99);
  const ratio = pipelines.total / (pipelines.minimum + pipelines.logReads);
  const overhead = local.withCheckout / local.bare;
  return {
    title: 'Runs',
    rows: [
      ['figure', 'value'],
      ['delivery accepted → pipeline triggered, p50 / p99', `${p50.toFixed(1)} / ${p99.toFixed(1)} ms (${RUNS} deliveries)`],
      ['API calls of one Pipelines run', `${pipelines.total} (${Object.entries(pipelines.counts).map(([k, v]) => `${k.replace('/repositories/{workspace}/{repo_slug}', '…')} ×${v}`).join(', ')})`],
      ['least it could cost', `${pipelines.minimum} (1 branch read + 1 trigger + ${pipelines.polls} polls + 2 status writes + 0 comments) + ${pipelines.logReads} live log reads (a steps list and each step's new part per poll once it runs)`],
      ['local: checkout + spawn, median of 7', `${local.withCheckout.toFixed(1)} ms`],
      ['local: the same command in an existing folder', `${local.bare.toFixed(1)} ms`],
    ],
    goals: [
      atMost('delivery accepted → pipeline triggered, p99', p99, 250, 'ms', 1, 'the claim (a lock on the run-events log and an fsynced append), the build status written first, then the trigger itself'),
      atMost('API calls of one run ÷ the least it could cost', ratio, 1.25, '', 2, 'retries or extra polls beyond the backoff schedule'),
      atMost('local runner: checkout + spawn ÷ spawn in an existing folder', overhead, 25, '', 1, 'git fetch over HTTP (git http-backend per request), git worktree add of the commit, and its removal'),
    ],
    notes: [
      `Against the fake Bitbucket on loopback: pipelines wait ${PENDING_MS} ms and run ${DURATION_MS} ms; polls start at ${POLL_MS} ms and grow by half up to ${POLL_MAX_MS} ms.`,
      'The latency is from the receiver answering 202 to the fake creating the pipeline; deliveries are sent one at a time.',
      'The local figures use a repository of 200 files; the first clone into the cache is not counted.',
    ],
  };
}

if (require.main === module) {
  void runCost().then((result) => {
    console.log(result.rows.map((row) => row.join(' | ')).join('\n'));
    console.log(result.goals.map((goal) => `${goal.name}: ${goal.shown} (${goal.goal})`).join('\n'));
  });
}
