// What every benchmark hands back to bench/run.ts: a table of what it measured, and its goals with
// the measured figure, whether each was met, and (when missed or not measured) what bounds it.

export interface Goal {
  /** "receiver req/s ÷ bare Node http req/s" */
  name: string;
  /** The measured figure; null when it could not be measured here. */
  value: number | null;
  /** How the figure is printed: "0.62", "7.4 ms". */
  shown: string;
  /** "≥ 0.5", "≤ 10 ms". */
  goal: string;
  met: boolean | null;
  /** Why the figure is what it is: required when the goal is missed or not measured. */
  bound?: string;
}

export interface BenchmarkResult {
  title: string;
  /** First row is the header. */
  rows: string[][];
  goals: Goal[];
  /** How it was measured: settings, baseline, anything a reader needs to trust the figures. */
  notes: string[];
}

export function atMost(name: string, value: number | null, limit: number, unit: string, digits = 1, bound?: string): Goal {
  const shown = value === null ? 'not measured' : `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
  const goal: Goal = { name, value, shown, goal: `≤ ${limit}${unit ? ` ${unit}` : ''}`, met: value === null ? null : value <= limit };
  if (bound !== undefined && goal.met !== true) goal.bound = bound;
  return goal;
}

export function atLeast(name: string, value: number | null, limit: number, unit: string, digits = 2, bound?: string): Goal {
  const shown = value === null ? 'not measured' : `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
  const goal: Goal = { name, value, shown, goal: `≥ ${limit}${unit ? ` ${unit}` : ''}`, met: value === null ? null : value >= limit };
  if (bound !== undefined && goal.met !== true) goal.bound = bound;
  return goal;
}

export const verdict = (goal: Goal): string => (goal.met === null ? 'not measured' : goal.met ? 'met' : 'MISSED');
