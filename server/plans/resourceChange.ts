// One resource's change with its values, for a person who wants to see what changes: the `show
// -json` document is streamed again up to that resource, its change assembled (within limits) and
// masked before it is returned. Nothing here hands out a value the plan marks sensitive: the raw
// change lives only inside readResourceChange, and what leaves it has "(sensitive)" in its place.
import { MAX_PLAN_ADDRESS, ResourceChange } from '../protocol/plan';
import { actionOfList, shownAction } from './actions';
import { maskSensitive, unknownMarks } from './masking';
import { planReadError, PlanReadError } from './planError';
import { replacePathsOf, text } from './structuredPlan';
import { StopWalk, walkJson, type Choice, type Json, type JsonInput, type Limits, type PathItem } from './tokenWalk';

/** An address is compared whole, so it is read whole (up to far more than any real one). */
const ADDRESS: Limits = { maxNodes: 1, maxString: 16_384 };
/**
 * One side of a change: a resource with a large policy document or thousands of tags fits; past
 * this (8 MB of text) the value is cut, strings each at 64 KiB, and the change says it is truncated.
 */
const VALUE: Limits = { maxNodes: 200_000, maxString: 65_536, maxChars: 4 * 1024 * 1024 };
/** Marks (sensitive, unknown) are read with a budget of their own, so a cut value never cuts its marks. */
const MARKS: Limits = { maxNodes: 400_000, maxString: 16, maxChars: 4 * 1024 * 1024 };
const SMALL: Limits = { maxNodes: 2_000, maxString: 1_024 };
const FIELDS: Record<string, Limits> = {
  actions: SMALL,
  replace_paths: SMALL,
  importing: SMALL,
  before: VALUE,
  after: VALUE,
  before_sensitive: MARKS,
  after_sensitive: MARKS,
  after_unknown: MARKS,
};

interface Change {
  [field: string]: { value: Json; truncated: boolean } | undefined;
}

interface Element {
  address?: string;
  deposed?: boolean;
  change: Change;
}

export interface ReadChangeOptions {
  /** Look in `resource_drift` (what changed outside the tool) instead of `resource_changes`. */
  drift?: boolean;
}

/**
 * The change of the resource at `address`, masked, or null when the plan has none. A resource
 * whose current object and a deposed one both change is answered with the current one.
 */
export async function readResourceChange(input: JsonInput, address: string, options: ReadChangeOptions = {}): Promise<ResourceChange | null> {
  const section = options.drift ? 'resource_drift' : 'resource_changes';
  let element: Element = { change: {} };
  let found: Element | null = null;
  const reader = {
    choose(path: readonly PathItem[]): Choice {
      const field = path[2];
      switch (path.length) {
        case 0:
          return 'walk';
        case 1:
          return path[0] === section ? 'walk' : 'skip';
        case 2:
          element = { change: {} };
          return 'walk';
        case 3:
          if (field === 'address' || field === 'deposed') return ADDRESS;
          // The tools write the address before the change: another resource's values are skipped unread.
          return field === 'change' && (element.address === undefined || element.address === address) ? 'walk' : 'skip';
        case 4: {
          const sub = path[3];
          return field === 'change' && typeof sub === 'string' && Object.hasOwn(FIELDS, sub) ? (FIELDS[sub] as Limits) : 'skip';
        }
        default:
          return 'skip';
      }
    },
    value(path: readonly PathItem[], value: Json, truncated: boolean) {
      const [, , field, sub] = path;
      if (field === 'address' && typeof value === 'string') element.address = value;
      else if (field === 'deposed') element.deposed = value !== null;
      else if (field === 'change' && typeof sub === 'string') element.change[sub] = { value, truncated };
    },
    close(path: readonly PathItem[]) {
      if (path.length !== 2 || element.address !== address || element.change.actions === undefined) return;
      if (found === null || (found.deposed === true && element.deposed !== true)) found = element;
      if (element.deposed !== true) throw new StopWalk();
    },
  };
  try {
    await walkJson(input, reader);
  } catch (error) {
    throw planReadError(typeof input === 'string' ? `The plan JSON ${input}` : 'The plan JSON', error);
  }
  return found === null ? null : masked(address, (found as Element).change);
}

/**
 * The marks for one side of the change, failing safe: marks that are missing or were cut count as
 * "all of it is sensitive" (a missing side's null reveals nothing, so it stays null).
 */
function marksFor(change: Change, side: 'before' | 'after'): Json {
  const marks = change[`${side}_sensitive`];
  if (marks === undefined || marks.truncated) return (change[side]?.value ?? null) === null ? false : true;
  return marks.value;
}

/** The change as it may leave the server: values masked, unknowns as marks, the rest bounded. */
function masked(address: string, change: Change): ResourceChange {
  const listed = actionOfList(change.actions?.value);
  if (listed === null) throw new PlanReadError(`The plan's change of ${text(address, MAX_PLAN_ADDRESS)} has actions no OpenTofu or Terraform writes.`);
  const importing = (change.importing?.value ?? null) !== null;
  // The values are built above from parsed JSON and masked; zod checks the rest (it would also drop
  // a "__proto__" key from a value, and take long over a large one).
  const meta = CHANGE_META.parse({
    address: text(address, MAX_PLAN_ADDRESS),
    // A move is not known here (the previous address is outside the change); an import is.
    action: shownAction(listed, false, importing),
    replacePaths: replacePathsOf(change.replace_paths?.value) ?? [],
    truncated: Object.values(change).some((field) => field?.truncated === true),
  });
  return {
    ...meta,
    before: maskSensitive(change.before?.value ?? null, marksFor(change, 'before')),
    after: maskSensitive(change.after?.value ?? null, marksFor(change, 'after')),
    unknown: change.after_unknown?.truncated ? true : unknownMarks(change.after_unknown?.value),
  };
}

const CHANGE_META = ResourceChange.omit({ before: true, after: true, unknown: true });
