// `npm run bench`: every benchmark in turn (each measures its baseline in the same run), one table of
// goals on the terminal, and bench/RESULTS.md with the date, the machine and every figure.
//   npm run bench      (builds first; then node --import tsx bench/run.ts)
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiEconomy } from './apiEconomy';
import { editorStartup } from './editorStartup';
import { receiverThroughput } from './receiverThroughput';
import { registryScale } from './registryScale';
import { runCost } from './runCost';
import { atMost, verdict, type BenchmarkResult } from './support/result';
import { markdownTable, textTable } from './support/table';

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
  { name: 'runs', run: runCost },
];

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version}, ${os.platform()} ${os.release()}; load average at start ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`;
}

async function main(): Promise<void> {
  const started = new Date();
  const host = machine();
  const results: BenchmarkResult[] = [];
  for (const benchmark of BENCHMARKS) {
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

  const summary = [['benchmark', 'goal', 'measured', 'target', 'verdict'], ...results.flatMap((r) => r.goals.map((g) => [r.title, g.name, g.shown, g.goal, verdict(g)]))];
  for (const result of results) console.log(`\n${result.title}\n${textTable(result.rows)}`);
  console.log(`\nGoals\n${textTable(summary)}`);

  const markdown = [
    '# Stackhook benchmarks',
    '',
    `Run ${started.toISOString()} by \`npm run bench\` on ${host}.`,
    '',
    'Timings on a shared machine are noisy: every benchmark measures its baseline in the same run, and ratios matter more than absolute figures.',
    '',
    '## Goals',
    '',
    markdownTable(summary),
    '',
    ...results.flatMap((result) => [
      `## ${result.title}`,
      '',
      markdownTable(result.rows),
      '',
      ...result.notes.map((note) => `- ${note}`),
      ...(result.notes.length > 0 ? [''] : []),
      ...result.goals.flatMap((goal) => [
        `- **${goal.name}**: ${goal.shown} (goal ${goal.goal}): ${verdict(goal)}.${goal.bound && goal.met !== true ? ` What bounds it: ${goal.bound}.` : ''}`,
      ]),
      '',
    ]),
  ].join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS.md'), markdown);
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(__dirname, 'RESULTS.md'))}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
