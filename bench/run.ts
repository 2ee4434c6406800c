// `npm run bench`: every benchmark in turn (each measures its baseline in the same run), one table of
// goals on the terminal, and bench/RESULTS.md with the date, the machine and every figure.
//   npm run bench                           (builds first; then node --import tsx bench/run.ts)
//   npm run bench -- "receiver throughput"  only the benchmarks whose name contains one of the words
//                                           given; RESULTS.md keeps the others' figures as they were
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiEconomy } from './apiEconomy';
import { driftSchedule } from './driftSchedule';
import { editorStartup } from './editorStartup';
import { insightsCalls } from './insightsCalls';
import { receiverThroughput } from './receiverThroughput';
import { planParse } from './planParse';
import { postgresReceiver } from './postgresReceiver';
import { registryScale } from './registryScale';
import { rpcRoundTrip } from './rpcRoundTrip';
import { runCost } from './runCost';
import { pipelinesEngine } from './pipelinesEngine';
import { triggerPathsEconomy } from './triggerPathsEconomy';
import { atMost, type BenchmarkResult } from './support/result';
import { goalRows, mergeResults, renderResults } from './support/resultsFile';
import { textTable } from './support/table';

/** Benchmark 4 predates the shared result shape; its figures are carried over as they are. */
async function registry(): Promise<BenchmarkResult> {
  const { rows, goals } = await registryScale();
  return {
    title: 'Registry scale',
    rows,
    goals: goals.map((goal) =>
      atMost(goal.name.replace(/ \(ms\)$/, ''), goal.value, goal.goal, 'ms', 1,
        'one atomic, durable write of the whole registry (~2.2 MB of JSON): serialising it (~10–15 ms), writing it, fsync of the file and of the folder (each ~1–10 ms, depending on what else the disk is doing), the cross-process lock, and the detach itself'),
    ),
    notes: ['Median of 7 runs per shape, in process (RegistryStore and deleteIntegration), on a fresh temporary store each time.'],
  };
}

const BENCHMARKS: { name: string; run: () => Promise<BenchmarkResult> }[] = [
  { name: 'receiver throughput', run: receiverThroughput },
  { name: 'API-call economy', run: apiEconomy },
  { name: 'editor start-up and size', run: editorStartup },
  { name: 'registry scale', run: registry },
  { name: 'RPC round trip', run: rpcRoundTrip },
  { name: 'receiver on PostgreSQL', run: postgresReceiver },
  { name: 'runs', run: runCost },
  { name: 'pipelines engine', run: pipelinesEngine },
  { name: 'structured plan', run: planParse },
  { name: 'trigger paths', run: triggerPathsEconomy },
  { name: 'drift schedules', run: driftSchedule },
  { name: 'Code Insights report calls', run: insightsCalls },
];

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version}, ${os.platform()} ${os.release()}; load average at start ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`;
}

/** The benchmarks named (by part of their name) on the command line; all of them when none is. */
function selected(filters: readonly string[]): typeof BENCHMARKS {
  if (filters.length === 0) return BENCHMARKS;
  const chosen = BENCHMARKS.filter((b) => filters.some((filter) => b.name.toLowerCase().includes(filter.toLowerCase())));
  if (chosen.length === 0) throw new Error(`No benchmark is named ${filters.map((f) => `"${f}"`).join(' or ')}; the benchmarks are: ${BENCHMARKS.map((b) => b.name).join(', ')}.`);
  return chosen;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const benchmarks = selected(filters);
  const started = new Date();
  const host = machine();
  const results: BenchmarkResult[] = [];
  for (const benchmark of benchmarks) {
    process.stderr.write(`running ${benchmark.name}…\n`);
    try {
      results.push(await benchmark.run());
    } catch (error) {
      results.push({
        title: benchmark.name,
        rows: [['error'], [error instanceof Error ? error.message : String(error)]],
        goals: [{ name: `${benchmark.name} ran`, value: null, shown: 'failed', goal: 'runs', met: false, bound: error instanceof Error ? error.message : String(error) }],
        notes: [],
      });
    }
  }

  const summary = [['benchmark', 'goal', 'measured', 'target', 'verdict'], ...goalRows(results)];
  for (const result of results) console.log(`\n${result.title}\n${textTable(result.rows)}`);
  console.log(`\nGoals\n${textTable(summary)}`);

  const file = path.join(__dirname, 'RESULTS.md');
  const partial = benchmarks.length < BENCHMARKS.length && existsSync(file);
  const markdown = partial
    ? mergeResults(
        readFileSync(file, 'utf8'),
        `Re-run ${started.toISOString()} by \`npm run bench -- ${filters.map((f) => JSON.stringify(f)).join(' ')}\` on ${host}: ${results.map((r) => r.title).join(', ')} (the other figures are from the run above).`,
        results,
      )
    : renderResults(`Run ${started.toISOString()} by \`npm run bench\` on ${host}.`, results);
  writeFileSync(file, markdown);
  console.log(`\n${partial ? 'updated' : 'wrote'} ${path.relative(process.cwd(), file)}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
