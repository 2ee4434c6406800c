// R23: a delivery queues a run on a stack only when a path it changed matches one of the stack's
// trigger paths. The changed paths are read once per delivery and diff, whatever the number of
// stacks (changedPaths.ts reads each distinct diff once); when they cannot be read, or there are too
// many to list, the stack runs (the safe side) and the reason says so. A pure function of the
// routing, the stacks and what was read, so every decision can be tested without Bitbucket.
import type { DiffSpec } from '../bitbucket/gateway';
import { triggerMatcher, triggerPathsOf } from '../registry/triggerPaths';
import type { StoredStack } from '../registry/state';
import type { PlannedRun } from './deliveryActions';
import { printable } from './printable';
import { ignored, queued, summarise, type Routing } from './routing';

/** What is known of a diff's paths: all of them, or why not (the stack then runs). */
export type ChangeRead = { kind: 'read'; paths: readonly string[] } | { kind: 'unknown'; why: string };

/** How many parts a filtered delivery's reason names: one per stack for twenty stacks and their notes. */
const REASON_PARTS = 30;

export function diffKey(diff: DiffSpec): string {
  return `${diff.source}\u0000${diff.destination ?? ''}\u0000${diff.topic ? 'topic' : 'plain'}`;
}

/** The distinct diffs a routing's runs need read. */
export function diffsOf(routing: Routing): DiffSpec[] {
  const byKey = new Map<string, DiffSpec>();
  for (const run of routing.runs) if (run.diff) byKey.set(diffKey(run.diff), run.diff);
  return [...byKey.values()];
}

type FilterableStack = Pick<StoredStack, 'id' | 'projectRoot' | 'triggerPaths'>;

/**
 * Keeps the runs whose stack's trigger paths match a changed path. `reads` holds what was read of
 * each diff (by diffKey); a run whose diff is missing from it, or unknown, is kept with the reason.
 */
export function filterByTriggerPaths(routing: Routing, stacks: readonly FilterableStack[], reads: ReadonlyMap<string, ChangeRead>): Routing {
  if (routing.verdict !== 'queued' || routing.runs.length === 0) return routing;
  const kept: PlannedRun[] = [];
  const skipped: string[] = [];
  for (const run of routing.runs) {
    const stack = stacks.find((candidate) => candidate.id === run.stackId);
    const globs = stack ? triggerPathsOf(stack) : ['**'];
    const read = run.diff ? reads.get(diffKey(run.diff)) : { kind: 'unknown' as const, why: 'the event names no commits to compare' };
    if (!read || read.kind === 'unknown') {
      kept.push({ ...run, note: `ran: ${read?.why ?? 'the changed files were not read'} (the safe side)` });
      continue;
    }
    const matches = triggerMatcher(globs);
    const matched = read.paths.filter((path) => matches(path));
    if (matched.length === 0) {
      skipped.push(`${printable(run.stackName, 60)} skipped: no change under ${describeGlobs(globs)}`);
    } else {
      kept.push({ ...run, note: `ran: ${printable(matched[0] ?? '', 120)}${matched.length > 1 ? ` and ${matched.length - 1} more` : ''}` });
    }
  }
  if (kept.length === 0) {
    return { ...ignored(summarise([...skipped, ...routing.notes], REASON_PARTS)), notes: routing.notes };
  }
  return queued(kept, [...skipped, ...routing.notes], REASON_PARTS);
}

function describeGlobs(globs: readonly string[]): string {
  const shown = globs.slice(0, 3).map((glob) => printable(glob, 80));
  return globs.length > 3 ? `${shown.join(', ')} or ${globs.length - 3} more` : shown.join(globs.length === 2 ? ' or ' : ', ');
}
