// The protocol's round trip over a team server's WebSocket against stdio to a companion process, in the
// same run: the same request (`stackhook/integrations/list` on a store with 20 integrations), one at a
// time and then 16 at once, on each transport. Loopback only; stops its servers itself.
import { performance } from 'node:perf_hooks';
import * as Protocol from '../server/protocol';
import { startServer, tempStore } from '../test/support/serverProcess';
import { connectEditor, startTeamServer, userWithToken } from '../test/support/teamServer';
import { atMost, type BenchmarkResult } from './support/result';
import { median } from './support/stats';

const SEQUENTIAL = 400;
const PARALLEL_ROUNDS = 50;
const PARALLEL = 16;

type Ask = () => Promise<unknown>;

async function measure(ask: Ask): Promise<{ sequentialMs: number; parallelMs: number }> {
  for (let i = 0; i < 50; i += 1) await ask(); // warm-up: JIT, caches
  const one: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i += 1) {
    const started = performance.now();
    await ask();
    one.push(performance.now() - started);
  }
  const rounds: number[] = [];
  for (let i = 0; i < PARALLEL_ROUNDS; i += 1) {
    const started = performance.now();
    await Promise.all(Array.from({ length: PARALLEL }, ask));
    rounds.push(performance.now() - started);
  }
  return { sequentialMs: median(one), parallelMs: median(rounds) };
}

export async function rpcRoundTrip(): Promise<BenchmarkResult> {
  const store = tempStore('stackhook-bench-rpc-');
  const stdio = await startServer({ store, user: 'ana' });
  const team = await startTeamServer({ store: tempStore('stackhook-bench-team-') });
  try {
    const token = await userWithToken(team, 'ana', true);
    const editor = await connectEditor(team.url, token);
    try {
      for (const server of [stdio, editor]) {
        for (let i = 0; i < 20; i += 1) {
          await server.request(Protocol.IntegrationsCreate, { name: `Space ${i}`, type: 'space', spaceId: 'root', username: 'ana@example.com', secret: `ATATT-bench-${i}-0123456789`, verify: false });
        }
      }
      const overStdio = await measure(() => stdio.request(Protocol.IntegrationsList));
      const overWebSocket = await measure(() => editor.request(Protocol.IntegrationsList));
      const sequentialRatio = overWebSocket.sequentialMs / overStdio.sequentialMs;
      const parallelRatio = overWebSocket.parallelMs / overStdio.parallelMs;
      const bound = 'a WebSocket frame over loopback TCP against a pipe, plus the bearer check only at the upgrade: both move the same JSON, so the figures should be close; a busy machine moves both';
      return {
        title: 'RPC round trip: WebSocket against stdio',
        rows: [
          ['transport', 'one request (median ms)', `${PARALLEL} at once (median ms)`],
          ['stdio (companion process)', overStdio.sequentialMs.toFixed(3), overStdio.parallelMs.toFixed(3)],
          ['WebSocket /rpc (team server)', overWebSocket.sequentialMs.toFixed(3), overWebSocket.parallelMs.toFixed(3)],
        ],
        goals: [
          atMost('one request: WebSocket ÷ stdio', sequentialRatio, 1.5, '', 2, bound),
          atMost(`${PARALLEL} at once: WebSocket ÷ stdio`, parallelRatio, 1.5, '', 2, bound),
        ],
        notes: [
          `${SEQUENTIAL} sequential requests and ${PARALLEL_ROUNDS} rounds of ${PARALLEL} concurrent ones per transport, after 50 warm-up requests; \`stackhook/integrations/list\` with 20 integrations, as a user who sees them all.`,
          'Both servers are the built dist/server.js on loopback; the team server keeps its store in a folder, as the companion process does.',
        ],
      };
    } finally {
      await editor.close();
    }
  } finally {
    await stdio.stop();
    await team.stop();
  }
}
