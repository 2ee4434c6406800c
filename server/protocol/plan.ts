// The shapes of a structured plan, as zod schemas: what OpenTofu or Terraform plans to do, read from
// `show -json` (and the `-json` UI stream's diagnostics) by server/plans/. Everything in a plan is
// written by whoever controls the repository's code, so every string and list here is bounded, and
// a value the plan marks sensitive is never in any of them: a ResourceChange holds "(sensitive)" in
// its place (docs/design.md §4, text from a run).
import * as z from 'zod';

/**
 * Rows kept per list. A plan of 20,000 resources is counted whole, but a person reads a few hundred
 * rows at most, and 5,000 rows (about 1–2 MB of JSON) still cross the protocol and fill a tree view
 * at once; past it the rows that matter most are kept (destroys, then replaces) and `truncated` says so.
 */
export const MAX_PLAN_ROWS = 5_000;
export const MAX_PLAN_DIAGNOSTICS = 200;
/** Resource addresses with long `for_each` keys reach a few hundred characters; more is cut. */
export const MAX_PLAN_ADDRESS = 512;
export const MAX_PLAN_NAME = 256;
export const MAX_PLAN_SUMMARY = 300;
export const MAX_PLAN_DETAIL = 4_000;
export const MAX_PLAN_PROBLEMS = 20;
export const MAX_PLAN_REPLACE_PATHS = 50;
/** What stands in for every value a plan marks sensitive. */
export const SENSITIVE = '(sensitive)';

/** What a plan does to one resource instance. A move or an import with nothing else to do is `move` or `import`. */
export const PlanAction = z.enum(['create', 'update', 'replace', 'delete', 'read', 'no-op', 'forget', 'import', 'move']);
export type PlanAction = z.infer<typeof PlanAction>;

const Count = z.number().int().min(0);

/**
 * How many resource instances each action touches. A replace counts once, as `replace` (not as an
 * add and a destroy); a data source read is `read`; `import` and `move` also count instances that
 * are imported or moved and changed as well; `drift` counts resources changed outside the tool,
 * `outputs` the root outputs that change; `errored` is the plan's own flag.
 */
export const PlanCounts = z.object({
  add: Count,
  change: Count,
  replace: Count,
  destroy: Count,
  import: Count,
  move: Count,
  forget: Count,
  read: Count,
  drift: Count,
  outputs: Count,
  errored: z.boolean(),
});
export type PlanCounts = z.infer<typeof PlanCounts>;

const Address = z.string().min(1).max(MAX_PLAN_ADDRESS);
const ReplacePath = z.array(z.union([z.string().max(MAX_PLAN_NAME), z.number()])).max(32);

export const PlanResourceRow = z.object({
  address: Address,
  /** `module.a.module.b`, or "" for the root module. */
  module: z.string().max(MAX_PLAN_ADDRESS),
  type: z.string().max(MAX_PLAN_NAME),
  name: z.string().max(MAX_PLAN_NAME),
  action: PlanAction,
  /** The tool's `action_reason`, e.g. `replace_because_cannot_update`, `delete_because_no_resource_config`. */
  reason: z.string().max(64).optional(),
  /** The attributes whose change forces the replace, as paths (`[["ami"]]`). */
  replacePaths: z.array(ReplacePath).max(MAX_PLAN_REPLACE_PATHS).optional(),
  previousAddress: Address.optional(),
  importing: z.boolean(),
  /**
   * Where the resource's `resource` block is in the repository (`path` from the repository's root,
   * `line` from 1), or its module call's when the block is in a module Stackhook does not read; set
   * on the rows that are annotated (server/plans/resourceLocations.ts), while the checkout exists.
   */
  location: z.object({ path: z.string().min(1).max(MAX_PLAN_ADDRESS), line: z.number().int().min(1).optional() }).optional(),
});
export type PlanResourceRow = z.infer<typeof PlanResourceRow>;

export const PlanDriftRow = z.object({ address: Address, action: PlanAction });
export type PlanDriftRow = z.infer<typeof PlanDriftRow>;

export const PlanOutputRow = z.object({ name: z.string().min(1).max(MAX_PLAN_NAME), action: PlanAction, sensitive: z.boolean() });
export type PlanOutputRow = z.infer<typeof PlanOutputRow>;

export const CheckStatus = z.enum(['pass', 'fail', 'error', 'unknown']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const PlanCheckRow = z.object({
  address: Address,
  status: CheckStatus,
  problems: z.array(z.string().max(MAX_PLAN_DETAIL)).max(MAX_PLAN_PROBLEMS),
});
export type PlanCheckRow = z.infer<typeof PlanCheckRow>;

/** A diagnostic, with where it points so it can go to the Problems panel and to annotations. */
export const PlanDiagnostic = z.object({
  severity: z.enum(['error', 'warning']),
  summary: z.string().max(MAX_PLAN_SUMMARY),
  detail: z.string().max(MAX_PLAN_DETAIL).optional(),
  /** `range.filename`, relative to the configuration's folder. */
  file: z.string().max(MAX_PLAN_ADDRESS).optional(),
  /** `range.start.line`, from 1. */
  line: z.number().int().min(1).optional(),
});
export type PlanDiagnostic = z.infer<typeof PlanDiagnostic>;

export const StructuredPlan = z.object({
  counts: PlanCounts,
  /** Destroys first, then replaces, then the rest, each in the plan's order. */
  resources: z.array(PlanResourceRow).max(MAX_PLAN_ROWS),
  drift: z.array(PlanDriftRow).max(MAX_PLAN_ROWS),
  outputs: z.array(PlanOutputRow).max(MAX_PLAN_ROWS),
  checks: z.array(PlanCheckRow).max(MAX_PLAN_ROWS),
  diagnostics: z.array(PlanDiagnostic).max(MAX_PLAN_DIAGNOSTICS),
  /** Some list had more rows than it keeps (the counts are still whole). */
  truncated: z.boolean(),
});
export type StructuredPlan = z.infer<typeof StructuredPlan>;

/**
 * A JSON value as it crosses the wire; sensitive parts are already "(sensitive)". Checked only for
 * being there: it arrives as JSON, and a recursive schema (z.lazy over records and unions) would add
 * 5 KB of zod to the extension's bundle, and drop a key named "__proto__" from a value as it parsed.
 */
export type PlanValue = null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue };
export const PlanValue = z.custom<PlanValue>((value) => value !== undefined);

/**
 * One resource's change with its values, every value the plan marks sensitive (in `before_sensitive`
 * or `after_sensitive`, nested maps and lists included) replaced by "(sensitive)". `unknown` is the
 * tool's `after_unknown` (true where a value is known only after apply). `truncated` when a value
 * was too large to keep whole (long strings are cut, "…" marking where).
 */
export const ResourceChange = z.object({
  address: Address,
  action: PlanAction,
  before: PlanValue,
  after: PlanValue,
  unknown: PlanValue,
  replacePaths: z.array(ReplacePath).max(MAX_PLAN_REPLACE_PATHS),
  truncated: z.boolean(),
});
export type ResourceChange = z.infer<typeof ResourceChange>;
