// bench/RESULTS.md: written whole by a full `npm run bench`; a run of some benchmarks only
// (`npm run bench -- <name>`) replaces just their goal rows and their sections, and says so at the top.
import type { BenchmarkResult } from './result';
import { verdict } from './result';
import { markdownTable } from './table';

export const goalRows = (results: readonly BenchmarkResult[]): string[][] =>
  results.flatMap((r) => r.goals.map((g) => [r.title, g.name, g.shown, g.goal, verdict(g)]));

const GOALS_HEADER = ['benchmark', 'goal', 'measured', 'target', 'verdict'];

function section(result: BenchmarkResult): string[] {
  return [
    `## ${result.title}`,
    '',
    markdownTable(result.rows),
    '',
    ...result.notes.map((note) => `- ${note}`),
    ...(result.notes.length > 0 ? [''] : []),
    ...result.goals.map((goal) => `- **${goal.name}**: ${goal.shown} (goal ${goal.goal}): ${verdict(goal)}.${goal.bound && goal.met !== true ? ` What bounds it: ${goal.bound}.` : ''}`),
    '',
  ];
}

/** The whole file, from a full run. */
export function renderResults(runLine: string, results: readonly BenchmarkResult[]): string {
  return [
    '# Stackhook benchmarks',
    '',
    runLine,
    '',
    'Timings on a shared machine are noisy: every benchmark measures its baseline in the same run, and ratios matter more than absolute figures.',
    '',
    '## Goals',
    '',
    markdownTable([GOALS_HEADER, ...goalRows(results)]),
    '',
    ...results.flatMap(section),
  ].join('\n');
}

/**
 * `existing` with the goal rows and sections of `results` replaced (a benchmark not in it yet is
 * added at the end) and `rerunLine` added to the lines that say when the figures were taken.
 */
export function mergeResults(existing: string, rerunLine: string, results: readonly BenchmarkResult[]): string {
  const parts = existing.split(/^(?=## )/m);
  const [head = '', ...sections] = parts;
  const titleOf = (part: string) => part.slice(3, part.indexOf('\n') < 0 ? undefined : part.indexOf('\n')).trim();
  const rerun = new Map(results.map((result) => [result.title, result]));
  const rowTitle = (line: string) => /^\| (.*?) \| /.exec(line)?.[1]?.replace(/\\\|/g, '|');

  const merged = sections.map((part) => {
    const title = titleOf(part);
    if (title === 'Goals') return mergeGoals(part, results, rowTitle);
    const result = rerun.get(title);
    if (!result) return part;
    rerun.delete(title);
    return section(result).join('\n');
  });
  for (const result of rerun.values()) merged.push(section(result).join('\n'));
  return `${[withRerunLine(head, rerunLine), ...merged].map((part) => part.replace(/\n+$/, '')).join('\n\n')}\n`;
}

/** The re-run is said right after the line of the run (and the re-runs) before it. */
function withRerunLine(head: string, rerunLine: string): string {
  const lines = head.split('\n');
  let last = -1;
  lines.forEach((line, i) => {
    if (/^(Run|Re-run) /.test(line)) last = i;
  });
  if (last < 0) return `${head.trimEnd()}\n\n${rerunLine}\n\n`;
  lines.splice(last + 1, 0, '', rerunLine);
  return lines.join('\n');
}

/** Each re-run benchmark's goal rows where its old rows were; a benchmark new to the file after the last row. */
function mergeGoals(part: string, results: readonly BenchmarkResult[], rowTitle: (line: string) => string | undefined): string {
  const fresh = new Map(results.map((result) => [result.title, markdownTable([GOALS_HEADER, ...goalRows([result])]).split('\n').slice(2)]));
  const out: string[] = [];
  const placed = new Set<string>();
  for (const line of part.split('\n')) {
    const title = rowTitle(line);
    const rows = title === undefined ? undefined : fresh.get(title);
    if (title === undefined || rows === undefined) {
      out.push(line);
      continue;
    }
    if (!placed.has(title)) out.push(...rows);
    placed.add(title);
  }
  const missing = [...fresh].filter(([title]) => !placed.has(title)).flatMap(([, rows]) => rows);
  let last = -1;
  out.forEach((line, i) => {
    if (line.startsWith('|')) last = i;
  });
  out.splice(last + 1, 0, ...missing);
  return out.join('\n');
}
