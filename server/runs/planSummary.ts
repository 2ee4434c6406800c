// A run's one-line summary, always in Stackhook's own words: a run's output is untrusted (whoever
// controls the repository's code writes it), and the summary goes into the build status, the pull
// request comment and the editor. So the plan's counts are read from the tool's output as numbers
// and rendered here (parse → counts → render); a failure is said by the step and its exit code.
// Counts may later come from elsewhere (the `-json` UI's `change_summary`): they go to renderCounts.
import { cleanRunText } from './runText';

/** What a plan or an apply changes, as OpenTofu's `change_summary.changes` counts it. */
export interface ChangeCounts {
  operation: 'plan' | 'apply' | 'destroy';
  add: number;
  change: number;
  remove: number;
  import: number;
  forget: number;
}

/** One count as the tool prints it (`3 to add`, `3 added`); more than nine digits is not a count. */
const COUNT = /^(\d{1,9}) (to import|to add|to change|to destroy|to forget|imported|added|changed|destroyed|forgotten)$/;

const FIELDS: Record<string, keyof Omit<ChangeCounts, 'operation'>> = {
  'to import': 'import',
  'to add': 'add',
  'to change': 'change',
  'to destroy': 'remove',
  'to forget': 'forget',
  imported: 'import',
  added: 'add',
  changed: 'change',
  destroyed: 'remove',
  forgotten: 'forget',
};

/** The lines that carry counts, as OpenTofu and Terraform print them (after their colour codes are gone). */
const SUMMARY_LINE = /^\s*(?:(Plan): ([^.]*)\.|(Apply) complete! Resources: ([^.]*)\.|(Destroy) complete! Resources: ([^.]*)\.|(No changes)\.)/;

const noChanges = (operation: ChangeCounts['operation']): ChangeCounts => ({ operation, add: 0, change: 0, remove: 0, import: 0, forget: 0 });

/** The counts of one summary line, or null when the line is not one (or says something else too). */
function countsOfLine(line: string): ChangeCounts | null {
  const match = SUMMARY_LINE.exec(line);
  if (!match) return null;
  if (match[7]) return noChanges('plan');
  const operation = match[1] ? 'plan' : match[3] ? 'apply' : 'destroy';
  const counts = noChanges(operation);
  for (const part of (match[2] ?? match[4] ?? match[6] ?? '').split(', ')) {
    const count = COUNT.exec(part);
    const field = count?.[2] === undefined ? undefined : FIELDS[count[2]];
    // A plan says "to …", an apply says "…ed": a line that mixes them is not the tool's.
    if (!count || !field || count[2]?.startsWith('to ') !== (operation === 'plan')) return null;
    counts[field] = Number(count[1]);
  }
  return counts;
}

/** The counts of the last summary line in the output, or null when it has none. */
export function parseChangeCounts(output: string): ChangeCounts | null {
  let found: ChangeCounts | null = null;
  for (const line of cleanRunText(output).split('\n')) found = countsOfLine(line) ?? found;
  return found;
}

/** The counts in Stackhook's words (the tool's own phrasing, rebuilt from the numbers). */
export function renderCounts(counts: ChangeCounts): string {
  const { add, change, remove, import: imports, forget } = counts;
  if (counts.operation === 'plan') {
    if (add + change + remove + imports + forget === 0) return 'No changes.';
    const parts = [...(imports > 0 ? [`${imports} to import`] : []), `${add} to add`, `${change} to change`, `${remove} to destroy`, ...(forget > 0 ? [`${forget} to forget`] : [])];
    return `Plan: ${parts.join(', ')}.`;
  }
  if (counts.operation === 'destroy') return `Destroy complete! Resources: ${remove} destroyed.`;
  const parts = [...(imports > 0 ? [`${imports} imported`] : []), `${add} added`, `${change} changed`, `${remove} destroyed`, ...(forget > 0 ? [`${forget} forgotten`] : [])];
  return `Apply complete! Resources: ${parts.join(', ')}.`;
}

/** The plan (or apply) line of the output in Stackhook's words, or null when it has none. */
export function planSummary(output: string): string | null {
  const counts = parseChangeCounts(output);
  return counts === null ? null : renderCounts(counts);
}

/** A step that failed, in Stackhook's words: its exit code (or that a signal ended it), and where to look. */
export function stepFailed(step: 'plan' | 'apply', code: number | null): string {
  return `${step} failed (${code === null ? 'ended by a signal' : `exit ${code}`}); see the run's log`;
}

const PIPELINE_RESULTS = new Map([
  ['SUCCESSFUL', 'succeeded'],
  ['FAILED', 'failed'],
  ['ERROR', 'ended in an error'],
  ['STOPPED', 'stopped'],
  ['EXPIRED', 'expired'],
]);

/** How a pipeline ended, in Stackhook's words: its number and its result, by name only when Stackhook knows it. */
export function pipelineEnded(buildNumber: number | null, result: string | null): string {
  const words = PIPELINE_RESULTS.get(result ?? '') ?? 'failed';
  return `pipeline #${buildNumber ?? '?'} ${words}${words === 'succeeded' ? '' : "; see the run's log"}`;
}
