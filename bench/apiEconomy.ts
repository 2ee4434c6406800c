// Benchmark 2, API-call economy: the built server over stdio (`dist/server.js --stdio`, as the
// editor runs it) against the fake Bitbucket with 100 ms per call and one workspace of 1,000
// repositories: 30% have no hook, 10% a drifted one (5 of 7 events, no secret), the rest a right one.
// It lists the repositories, runs webhooks/status then webhooks/configure on all of them, and counts
// what reached Bitbucket per endpoint against the fewest calls each phase needs; wall time is held
// against the lower bound for the concurrency used (every call costs the injected latency, and a
// lane does one call at a time). Then the same with one workspace-level hook, and then under a
// rolling rate limit of 1,000 calls per window (an hour scaled down to seconds).
//   node --import tsx bench/apiEconomy.ts      (after npm run build)
import { performance } from 'node:perf_hooks';
import { ProgressType } from 'vscode-jsonrpc/node';
import { R14_EVENTS } from '../server/webhooks/subscribedEvents';
import * as Protocol from '../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../test/support/fakeBitbucket';
import { startServer, type ServerHandle } from '../test/support/serverProcess';
import { atMost, type BenchmarkResult, type Goal } from './support/result';

const TOKEN = 'ATATT3xFfGF0-bench-economy';
const USER = 'ana@example.com';
const PUBLIC_URL = 'https://hooks.example.com';
const HOOK_URL = `${PUBLIC_URL}/webhooks/bitbucket-cloud/acme-main`;
const REPOSITORIES = 1_000;
const LATENCY_MS = 100;
const CONCURRENCY = 10;
const PAGE = 100;
const RATE_LIMIT = 1_000;
const RATE_WINDOW_MS = 6_000;
const RATE_LATENCY_MS = 10;


interface Phase {
  name: string;
  counts: Record<string, number>;
  minimum: number;
  wallMs: number;
  lowerBoundMs: number;
  /** Progress messages with the time they came, ms from the start of the phase. */
  progress: { at: number; message: string }[];
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** 1,000 repositories; every 10th drifted, 3 in 10 without a hook, the rest right. */
function seed(bitbucket: FakeBitbucket, webhookSecret: string): { missing: number; drifted: number } {
  const names = bitbucket.world.addRepositories('acme', REPOSITORIES);
  let missing = 0;
  let drifted = 0;
  names.forEach((name, i) => {
    const slot = i % 10;
    if (slot < 3) {
      missing++;
    } else if (slot === 3) {
      drifted++;
      bitbucket.addHook(name, { url: HOOK_URL, events: R14_EVENTS.slice(0, 5), secret: null });
    } else {
      bitbucket.addHook(name, { url: HOOK_URL, events: [...R14_EVENTS], secret: webhookSecret });
    }
  });
  return { missing, drifted };
}

async function timed<T>(
  bitbucket: FakeBitbucket,
  server: ServerHandle,
  name: string,
  minimum: number,
  lowerBoundMs: number,
  run: (workDoneToken: string) => Promise<T>,
): Promise<{ phase: Phase; result: T }> {
  bitbucket.resetCounts();
  const token = `bench-${name.replace(/\W+/g, '-')}`;
  const progress: Phase['progress'] = [];
  const started = performance.now();
  const subscription = server.connection.onProgress(new ProgressType<{ kind: string; message?: string }>(), token, (value) => {
    if (value.message) progress.push({ at: performance.now() - started, message: value.message });
  });
  const result = await run(token);
  const wallMs = performance.now() - started;
  subscription.dispose();
  return { phase: { name, counts: bitbucket.counts(), minimum, wallMs, lowerBoundMs, progress }, result };
}

async function startPair(env: NodeJS.ProcessEnv, rateLimited: boolean) {
  const bitbucket = await startFakeBitbucket({ record: rateLimited });
  bitbucket.world.addUser({ email: USER, token: TOKEN, workspaces: { acme: 'admin' } });
  const server = await startServer({
    args: ['--bitbucket-api', bitbucket.url, '--public-url', PUBLIC_URL],
    env: { STACKHOOK_BITBUCKET_CONCURRENCY: String(CONCURRENCY), STACKHOOK_BITBUCKET_TIMEOUT_MS: '10000', ...env },
  });
  await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: USER, secret: TOKEN, verify: false });
  const webhookSecret = (await server.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret;
  const seeded = seed(bitbucket, webhookSecret);
  return { bitbucket, server, seeded };
}

/** List, status, configure: the three phases a person's "check and fix all" makes. */
async function repositoryPhases(bitbucket: FakeBitbucket, server: ServerHandle, writes: number, latencyMs: number, warmUp: boolean) {
  const lanes = (calls: number) => Math.ceil(calls / CONCURRENCY) * latencyMs;
  const pages = Math.ceil(REPOSITORIES / PAGE);
  if (warmUp) {
    // A freshly started server's first calls pay for JIT and new connections (~20% on the first
    // thousand here); measure the steady state, and do not count these calls.
    await server.request(Protocol.WebhooksStatus, { integrationId: 'acme-main', repositories: Array.from({ length: 50 }, (_, i) => `acme/repo-${String(i + 1).padStart(4, '0')}`) });
  }
  const list = await timed(bitbucket, server, 'list repositories', pages, pages * latencyMs, (workDoneToken) =>
    server.connection.sendRequest(Protocol.RepositoriesList.method, { integrationId: 'acme-main', workspace: 'acme', workDoneToken }),
  );
  const repositories = Protocol.RepositoriesList.result.parse(list.result).map((repository) => repository.fullName);
  const status = await timed(bitbucket, server, 'webhooks/status', REPOSITORIES, lanes(REPOSITORIES), (workDoneToken) =>
    server.connection.sendRequest(Protocol.WebhooksStatus.method, { integrationId: 'acme-main', repositories, workDoneToken }),
  );
  const configure = await timed(bitbucket, server, 'webhooks/configure', REPOSITORIES + writes, lanes(REPOSITORIES + writes), (workDoneToken) =>
    server.connection.sendRequest(Protocol.WebhooksConfigure.method, { integrationId: 'acme-main', repositories, workDoneToken }),
  );
  const actions = Protocol.WebhooksConfigure.result.parse(configure.result).reduce<Record<string, number>>((tally, entry) => {
    tally[entry.action] = (tally[entry.action] ?? 0) + 1;
    return tally;
  }, {});
  const states = Protocol.WebhooksStatus.result.parse(status.result).reduce<Record<string, number>>((tally, entry) => {
    tally[entry.state] = (tally[entry.state] ?? 0) + 1;
    return tally;
  }, {});
  return { phases: [list.phase, status.phase, configure.phase], actions, states };
}

interface Estimate {
  hedge: 'at least' | 'about';
  said: string;
  predictedMs: number;
  actualMs: number;
}

/** The first estimate of each kind ("at least N left", "about N left") in a phase's progress, held against when the phase really ended. */
function estimates(phase: Phase): Estimate[] {
  const found = new Map<string, Estimate>();
  for (const entry of phase.progress) {
    const match = /(at least|about) (?:(\d+) h )?(\d+) (s|min) left/.exec(entry.message);
    if (!match || found.has(match[1] as string)) continue;
    const ms = Number(match[2] ?? 0) * 3_600_000 + Number(match[3]) * (match[4] === 'min' ? 60_000 : 1_000);
    const hedge = match[1] as Estimate['hedge'];
    found.set(hedge, { hedge, said: `${(entry.at / 1000).toFixed(1)} s in: "${match[0]}"`, predictedMs: ms, actualMs: phase.wallMs - entry.at });
  }
  return [...found.values()];
}

function phaseRow(phase: Phase): string[] {
  const counts = Object.entries(phase.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key.replace('/repositories/{workspace}', '…').replace('/workspaces/{workspace}', 'ws…')} ${n}`)
    .join(', ');
  const calls = total(phase.counts);
  return [phase.name, counts, `${calls} / ${phase.minimum} = ${(calls / phase.minimum).toFixed(2)}`, `${(phase.wallMs / 1000).toFixed(1)} / ${(phase.lowerBoundMs / 1000).toFixed(1)} = ${(phase.wallMs / phase.lowerBoundMs).toFixed(2)}`];
}

export async function apiEconomy(): Promise<BenchmarkResult> {
  const rows: string[][] = [['phase', 'calls per endpoint', 'calls ÷ minimum', 'wall s ÷ lower bound s']];
  const goals: Goal[] = [];
  const notes: string[] = [];

  // 1. Repository hooks, 100 ms a call, no rate limit (Stackhook's own pacing off, as the fake has none).
  {
    const { bitbucket, server, seeded } = await startPair({ STACKHOOK_BITBUCKET_RATE_LIMIT: '0' }, false);
    try {
      bitbucket.setFaults({ latencyMs: LATENCY_MS });
      const writes = seeded.missing + seeded.drifted;
      const { phases, actions, states } = await repositoryPhases(bitbucket, server, writes, LATENCY_MS, true);
      rows.push(...phases.map(phaseRow));
      const [, status, configure] = phases as [Phase, Phase, Phase];
      const calls = phases.reduce((sum, phase) => sum + total(phase.counts), 0);
      const ownMinimum = phases.reduce((sum, phase) => sum + phase.minimum, 0);
      const sharedMinimum = Math.ceil(REPOSITORIES / PAGE) + REPOSITORIES + writes;
      rows.push(['all three (each phase its own reads)', '', `${calls} / ${ownMinimum} = ${(calls / ownMinimum).toFixed(2)}`, '']);
      rows.push(['all three (if configure reused status\'s reads)', '', `${calls} / ${sharedMinimum} = ${(calls / sharedMinimum).toFixed(2)}`, '']);
      const worstCalls = Math.max(...phases.map((phase) => total(phase.counts) / phase.minimum));
      goals.push(
        atMost('API calls ÷ minimum, per phase (list, status, configure)', worstCalls, 1, '', 2,
          'a phase repeated a call or read after a write'),
        atMost('API calls ÷ minimum, status then configure counted as one job (10 + 1,000 + 400)', calls / sharedMinimum, 1, '', 2,
          'configure reads every repository\'s hooks again after status read them a moment earlier: a plan made from status\'s reads could go stale in between (a hook added or deleted by hand), so each request reads what it acts on; reusing the reads would save 1,000 calls and is not done'),
        atMost(`wall time ÷ lower bound at concurrency ${CONCURRENCY}, status`, status.wallMs / status.lowerBoundMs, 1.15, '', 2, 'per-call overhead beyond the injected latency (loopback HTTP, JSON parse, zod) on a shared 2-core machine'),
        atMost(`wall time ÷ lower bound at concurrency ${CONCURRENCY}, configure`, configure.wallMs / configure.lowerBoundMs, 1.15, '', 2, 'per-call overhead beyond the injected latency on a shared 2-core machine'),
      );
      notes.push(
        `Through the built server over stdio (dist/server.js --stdio), STACKHOOK_BITBUCKET_CONCURRENCY=${CONCURRENCY} (the shipped default is 6), fake Bitbucket latency ${LATENCY_MS} ms per call.`,
        `Seeded ${REPOSITORIES} repositories: ${seeded.missing} without a hook, ${seeded.drifted} drifted; status said ${JSON.stringify(states)}, configure did ${JSON.stringify(actions)}.`,
        'Before counting, a status run over 50 repositories warms the server up (JIT, connections); without it the first 1,000-repository status runs ~20% slower.',
        'Lower bounds: list pages follow `next` one after another (10 × latency); status and configure spread their calls over the lanes (⌈calls ÷ concurrency⌉ × latency).',
      );
    } finally {
      await server.stop();
      await bitbucket.stop();
    }
  }

  // 2. One workspace-level hook instead of 1,000 repository hooks.
  {
    const { bitbucket, server } = await startPair({ STACKHOOK_BITBUCKET_RATE_LIMIT: '0' }, false);
    try {
      bitbucket.setFaults({ latencyMs: LATENCY_MS });
      const status = await timed(bitbucket, server, 'workspace hook: status', 1, LATENCY_MS, () =>
        server.request(Protocol.WebhooksWorkspaceStatus, { integrationId: 'acme-main', workspace: 'acme' }),
      );
      const configure = await timed(bitbucket, server, 'workspace hook: configure', 2, 2 * LATENCY_MS, () =>
        server.request(Protocol.WebhooksConfigureWorkspace, { integrationId: 'acme-main', workspace: 'acme' }),
      );
      rows.push(phaseRow(status.phase), phaseRow(configure.phase));
      const writes = total(configure.phase.counts) - (configure.phase.counts['GET /workspaces/{workspace}/hooks'] ?? 0);
      goals.push(atMost('writes for a workspace-level hook (instead of 1,000)', writes, 1, '', 0, 'configureWorkspace wrote more than once'));
      notes.push(`Workspace hook: status said ${status.result.state}, configure did ${configure.result.action}.`);
    } finally {
      await server.stop();
      await bitbucket.stop();
    }
  }

  // 3. Under Bitbucket's rate limit: 1,000 calls per rolling window, the hour scaled down.
  {
    const env = { STACKHOOK_BITBUCKET_RATE_LIMIT: String(RATE_LIMIT), STACKHOOK_BITBUCKET_RATE_WINDOW_MS: String(RATE_WINDOW_MS) };
    const { bitbucket, server, seeded } = await startPair(env, true);
    try {
      bitbucket.setFaults({ latencyMs: RATE_LATENCY_MS });
      bitbucket.setRateLimit({ limit: RATE_LIMIT, windowMs: RATE_WINDOW_MS, retryAfter: false });
      bitbucket.exchanges.length = 0;
      const writes = seeded.missing + seeded.drifted;
      const { phases } = await repositoryPhases(bitbucket, server, writes, RATE_LATENCY_MS, false);
      const refused = bitbucket.exchanges.filter((exchange) => exchange.status === 429).length;
      const calls = phases.reduce((sum, phase) => sum + total(phase.counts), 0);
      const budgetBound = Math.max(0, Math.ceil(calls / RATE_LIMIT) - 1) * RATE_WINDOW_MS;
      const wallMs = phases.reduce((sum, phase) => sum + phase.wallMs, 0);
      rows.push(['rate-limited: list + status + configure', `${calls} calls, ${refused} answered 429`, '', `${(wallMs / 1000).toFixed(1)} / ${(budgetBound / 1000).toFixed(1)} = ${(wallMs / budgetBound).toFixed(2)}`]);
      goals.push(atMost(`429s Stackhook could have avoided (limit ${RATE_LIMIT} per ${RATE_WINDOW_MS / 1000} s window)`, refused, 0, '', 0,
        'Stackhook sent a call its own count said Bitbucket would refuse'));
      for (const phase of phases) {
        for (const eta of estimates(phase)) {
          const ratio = eta.predictedMs / eta.actualMs;
          rows.push([`  ETA in ${phase.name}`, eta.said, `predicted ${(eta.predictedMs / 1000).toFixed(0)} s`, `took ${(eta.actualMs / 1000).toFixed(1)} s (${ratio.toFixed(2)}×)`]);
          if (eta.hedge === 'about') {
            goals.push(atMost(`ETA error in ${phase.name}, first "about" (|predicted ÷ actual − 1|)`, Math.abs(ratio - 1), 0.2, '', 2,
              'the estimate extrapolates the calls per repository seen so far; writes bunched later in the list make it low'));
          } else {
            // A floor is honest when the work took at least that long (whole seconds, rounded).
            goals.push(atMost(`ETA in ${phase.name}, first "at least": predicted ÷ actual`, ratio, 1.05, '', 2, 'the floor was above what the work took'));
          }
        }
      }
      notes.push(
        `Rate limit: the fake refuses past ${RATE_LIMIT} calls per rolling ${RATE_WINDOW_MS / 1000} s (no Retry-After, as Bitbucket often does); the server is told the same budget (STACKHOOK_BITBUCKET_RATE_LIMIT, STACKHOOK_BITBUCKET_RATE_WINDOW_MS; the default is 1,000 per hour). Latency ${RATE_LATENCY_MS} ms so that the budget, not the lanes, bounds the run; the lower bound is (⌈calls ÷ limit⌉ − 1) windows.`,
      );
    } finally {
      await server.stop();
      await bitbucket.stop();
    }
  }
  return { title: 'API-call economy (fake Bitbucket)', rows, goals, notes };
}

if (require.main === module) {
  void apiEconomy().then((result) => console.log(JSON.stringify(result, null, 2)));
}
