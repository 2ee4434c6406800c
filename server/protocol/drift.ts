// The shapes of drift detection that cross the wire: a stack's schedule of drift checks, what it
// does with drift it finds, and what a check found (docs/design.md §4, R26–R29). A drifted resource's
// before and after are read from the refresh-only plan with every value it marks sensitive replaced
// by "(sensitive)", so nothing here ever holds a sensitive value.
import * as z from 'zod';
import { PlanAction, PlanValue } from './plan';

/** A cron expression of five fields (minute hour day-of-month month day-of-week): checks run at most once a minute. */
export const MAX_CRON = 200;
/** An IANA time zone name (`Europe/Stockholm`) or `UTC`. */
export const MAX_TIME_ZONE = 64;

export const DriftSchedule = z.object({
  cron: z.string().trim().min(1, 'must not be empty').max(MAX_CRON),
  timeZone: z.string().trim().min(1).max(MAX_TIME_ZONE).default('UTC'),
});
export type DriftSchedule = z.infer<typeof DriftSchedule>;

/** What a drifted result does: nothing more (`off`), or queue one tracked run that plans the way back and waits for Confirm (`propose`). */
export const Reconcile = z.enum(['off', 'propose']);
export type Reconcile = z.infer<typeof Reconcile>;

export const DriftState = z.enum(['in-sync', 'drifted', 'unknown']);
export type DriftState = z.infer<typeof DriftState>;

/** A stack's drift as its last drift check found it. */
export const StackDrift = z.object({
  state: DriftState,
  /** How many resources drifted (0 unless drifted). */
  resources: z.number().int().nonnegative(),
  checkedAt: z.string(),
  runId: z.string(),
  /** Why the check could not tell (unknown only), in one line. */
  reason: z.string().optional(),
  /** The stack became drifted with this check (R29): the editor tells people only then. */
  newlyDrifted: z.boolean().optional(),
});
export type StackDrift = z.infer<typeof StackDrift>;

/** Drifted resources kept with a check, and the bytes of JSON kept of each value: enough to read, bounded. */
export const MAX_DRIFT_ROWS = 200;
export const MAX_DRIFT_VALUE = 8_192;

/** One drifted resource: how the real infrastructure differs from the state, masked. */
export const DriftResource = z.object({
  address: z.string().min(1).max(512),
  action: PlanAction,
  before: PlanValue,
  after: PlanValue,
  /** A value was too large to keep whole, or a sensitive mark was missing (the whole value is masked then). */
  truncated: z.boolean(),
});
export type DriftResource = z.infer<typeof DriftResource>;

/** What one drift check found: its result, and the resources (at most MAX_DRIFT_ROWS, `truncated` past it). */
export const DriftResult = z.object({
  state: DriftState,
  resources: z.array(DriftResource).max(MAX_DRIFT_ROWS),
  /** How many resources drifted in all (the list may be shorter). */
  count: z.number().int().nonnegative(),
  reason: z.string().max(500).optional(),
  /** The stack became drifted with this check (the last check was not drifted, or found other resources): people are told once. */
  newlyDrifted: z.boolean(),
  truncated: z.boolean(),
});
export type DriftResult = z.infer<typeof DriftResult>;
