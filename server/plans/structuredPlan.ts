// The structured plan: what `tofu show -json <plan file>` (or Terraform's) says a plan will do, as
// rows and counts. The document is read as a stream: each resource's small fields are kept, its
// `before` and `after` values (nearly all of a large plan's bytes) are skipped unassembled, so a plan
// of 20,000 resources costs the rows it keeps, not the hundreds of MB it takes (bench/planParse.ts).
import {
  MAX_PLAN_ADDRESS,
  MAX_PLAN_DETAIL,
  MAX_PLAN_DIAGNOSTICS,
  MAX_PLAN_NAME,
  MAX_PLAN_PROBLEMS,
  MAX_PLAN_REPLACE_PATHS,
  MAX_PLAN_ROWS,
  PlanDiagnostic,
  StructuredPlan,
  type CheckStatus,
  type PlanAction,
  type PlanCheckRow,
  type PlanCounts,
  type PlanDriftRow,
  type PlanOutputRow,
  type PlanResourceRow,
} from '../protocol/plan';
import { actionOfList, countChange, noCounts, shownAction } from './actions';
import { anyMarked } from './masking';
import { planReadError, PlanReadError } from './planError';
import { CappedRows, RankedRows } from './rows';
import { cleanLine, cleanText } from './text';
import { walkJson, type Choice, type Json, type JsonInput, type Limits, type PathItem } from './tokenWalk';

const SMALL: Limits = { maxNodes: 1, maxString: MAX_PLAN_ADDRESS * 2 };
const ACTIONS: Limits = { maxNodes: 4, maxString: 32 };
const PATHS: Limits = { maxNodes: 2_000, maxString: MAX_PLAN_NAME };
const MARKS: Limits = { maxNodes: 10_000, maxString: 16 };
const CHECK: Limits = { maxNodes: 20_000, maxString: MAX_PLAN_DETAIL };

/** The fields of a resource change (or drift) that make its row; the rest is skipped. */
const RESOURCE_FIELDS = new Set(['address', 'module_address', 'mode', 'type', 'name', 'previous_address', 'action_reason', 'deposed']);
const CHANGE_FIELDS: Record<string, Limits> = { actions: ACTIONS, replace_paths: PATHS, importing: { maxNodes: 4, maxString: 64 } };

interface Fields {
  [field: string]: Json | undefined;
}

export const text = (value: Json | undefined, max: number): string | undefined => (typeof value === 'string' ? cleanLine(value, max) : undefined);

/** Reason codes are the tool's own words (`replace_because_cannot_update`); anything else is dropped. */
const reasonOf = (value: Json | undefined): string | undefined => (typeof value === 'string' && /^[a-z_]{1,64}$/.test(value) ? value : undefined);

export function replacePathsOf(value: Json | undefined): (string | number)[][] | undefined {
  if (!Array.isArray(value)) return undefined;
  const paths = value
    .filter((path): path is Json[] => Array.isArray(path))
    .slice(0, MAX_PLAN_REPLACE_PATHS)
    .map((path) => path.slice(0, 32).flatMap((step): (string | number)[] => (typeof step === 'number' ? [step] : typeof step === 'string' ? [cleanLine(step, MAX_PLAN_NAME)] : [])));
  return paths.length > 0 ? paths : undefined;
}

const STATUS_ORDER: CheckStatus[] = ['pass', 'unknown', 'error', 'fail'];
const worse = (a: CheckStatus, b: CheckStatus): CheckStatus => (STATUS_ORDER.indexOf(a) >= STATUS_ORDER.indexOf(b) ? a : b);
const statusOf = (value: Json | undefined): CheckStatus => (value === 'pass' || value === 'fail' || value === 'error' ? value : 'unknown');
const recordOf = (value: Json | undefined): Record<string, Json> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** Everything the reader gathers while the document streams by. */
class PlanGatherer {
  readonly counts: PlanCounts = noCounts();
  readonly resources = new RankedRows<PlanResourceRow>(MAX_PLAN_ROWS);
  readonly drift = new CappedRows<PlanDriftRow>(MAX_PLAN_ROWS);
  readonly outputs = new CappedRows<PlanOutputRow>(MAX_PLAN_ROWS);
  private readonly checks = new Map<string, PlanCheckRow>();
  private checksTruncated = false;
  /**
   * Outputs `planned_values` calls sensitive: plans before format 1.0 (Terraform 0.12–0.14) mark
   * outputs only there, not in `output_changes`.
   */
  private readonly sensitiveOutputs = new Set<string>();
  /** The document's top-level keys (indexes, were it an array): a plan has `planned_values`. */
  private readonly topLevel = new Set<string>();
  private element: Fields = {};
  private output: Fields = {};

  choose(path: readonly PathItem[]): Choice {
    const [section, item, field, sub] = path;
    switch (path.length) {
      case 0:
        return 'walk';
      case 1:
        this.topLevel.add(String(section));
        if (section === 'errored') return SMALL;
        return section === 'planned_values' || section === 'resource_changes' || section === 'resource_drift' || section === 'output_changes' || section === 'checks' || section === 'condition_results' ? 'walk' : 'skip';
      case 2:
        if (section === 'planned_values') return item === 'outputs' ? 'walk' : 'skip';
        if (section === 'checks') return CHECK;
        if (section === 'condition_results') return { maxNodes: 100, maxString: MAX_PLAN_DETAIL };
        this.element = {};
        this.output = {};
        return 'walk';
      case 3:
        if (section === 'planned_values') return 'walk';
        if (section === 'output_changes') return field === 'actions' ? ACTIONS : field === 'before_sensitive' || field === 'after_sensitive' ? MARKS : 'skip';
        if (field === 'change') return 'walk';
        return typeof field === 'string' && RESOURCE_FIELDS.has(field) ? SMALL : 'skip';
      case 4:
        if (section === 'planned_values') return sub === 'sensitive' ? SMALL : 'skip';
        if (section === 'output_changes' || field !== 'change' || typeof sub !== 'string') return 'skip';
        return Object.hasOwn(CHANGE_FIELDS, sub) ? (CHANGE_FIELDS[sub] as Limits) : 'skip';
      default:
        return 'skip';
    }
  }

  value(path: readonly PathItem[], value: Json, truncated: boolean): void {
    const [section, , field, sub] = path;
    if (section === 'planned_values') {
      if (value === true && typeof field === 'string') this.sensitiveOutputs.add(field);
    } else if (path.length === 1) {
      this.counts.errored = value === true;
    } else if (section === 'checks' && path.length === 2) {
      this.addCheck(value, truncated);
    } else if (section === 'condition_results' && path.length === 2) {
      this.addConditionResult(value);
    } else if (section === 'output_changes' && typeof field === 'string') {
      this.output[field] = field.endsWith('_sensitive') && truncated ? true : value;
    } else if (path.length === 3 && typeof field === 'string') {
      this.element[field] = value;
    } else if (path.length === 4 && typeof sub === 'string') {
      this.element[`change.${sub}`] = value;
    }
  }

  close(path: readonly PathItem[]): void {
    if (path.length !== 2) return;
    const [section, item] = path;
    if (section === 'resource_changes') this.addResource(this.element);
    else if (section === 'resource_drift') this.addDrift(this.element);
    else if (section === 'output_changes' && typeof item === 'string') this.addOutput(item, this.output);
  }

  private actionOf(fields: Fields, address: string): PlanAction {
    const action = actionOfList(fields['change.actions']);
    if (action === null) throw new PlanReadError(`The plan's change of ${address} has actions no OpenTofu or Terraform writes.`);
    return action;
  }

  private addResource(fields: Fields): void {
    const address = text(fields.address, MAX_PLAN_ADDRESS);
    if (!address) throw new PlanReadError('The plan has a resource change without an address.');
    const listed = this.actionOf(fields, address);
    // The tools leave a data source's deletion out of what they show and count.
    if (fields.mode === 'data' && listed === 'delete') return;
    const previousAddress = text(fields.previous_address, MAX_PLAN_ADDRESS);
    const moved = previousAddress !== undefined && previousAddress !== address;
    const importing = fields['change.importing'] !== undefined && fields['change.importing'] !== null;
    const action = shownAction(listed, moved, importing);
    countChange(this.counts, action, moved, importing);
    const reason = reasonOf(fields.action_reason);
    const replacePaths = replacePathsOf(fields['change.replace_paths']);
    this.resources.add({
      address,
      module: text(fields.module_address, MAX_PLAN_ADDRESS) ?? '',
      type: text(fields.type, MAX_PLAN_NAME) ?? '',
      name: text(fields.name, MAX_PLAN_NAME) ?? '',
      action,
      ...(reason !== undefined ? { reason } : {}),
      ...(replacePaths !== undefined ? { replacePaths } : {}),
      ...(moved ? { previousAddress } : {}),
      importing,
    });
  }

  private addDrift(fields: Fields): void {
    const address = text(fields.address, MAX_PLAN_ADDRESS);
    if (!address) throw new PlanReadError('The plan has a drifted resource without an address.');
    const previousAddress = text(fields.previous_address, MAX_PLAN_ADDRESS);
    const action = shownAction(this.actionOf(fields, address), previousAddress !== undefined && previousAddress !== address, false);
    if (action === 'no-op') return;
    this.counts.drift++;
    this.drift.add({ address, action });
  }

  private addOutput(name: string, fields: Fields): void {
    const action = actionOfList(fields.actions);
    if (action === null) throw new PlanReadError(`The plan's change of output ${cleanLine(name, MAX_PLAN_NAME)} has actions no OpenTofu or Terraform writes.`);
    if (action !== 'no-op') this.counts.outputs++;
    const sensitive = anyMarked(fields.before_sensitive) || anyMarked(fields.after_sensitive);
    this.outputs.add({ name: cleanLine(name, MAX_PLAN_NAME) || '(unnamed)', action, sensitive });
  }

  private checkRow(address: string): PlanCheckRow | null {
    const existing = this.checks.get(address);
    if (existing !== undefined) return existing;
    if (this.checks.size >= MAX_PLAN_ROWS) {
      this.checksTruncated = true;
      return null;
    }
    const row: PlanCheckRow = { address, status: 'pass', problems: [] };
    this.checks.set(address, row);
    return row;
  }

  private addProblem(row: PlanCheckRow, problem: string): void {
    if (row.problems.length < MAX_PLAN_PROBLEMS) row.problems.push(cleanText(problem, MAX_PLAN_DETAIL));
    else this.checksTruncated = true;
  }

  /** A `checks` entry (Terraform 1.5+, OpenTofu): one configuration object, its instances' problems. */
  private addCheck(value: Json, truncated: boolean): void {
    const check = recordOf(value);
    const address = text(recordOf(check.address).to_display, MAX_PLAN_ADDRESS);
    if (!address) return;
    const row = this.checkRow(address);
    if (row === null) return;
    row.status = worse(row.status, statusOf(check.status));
    for (const instance of Array.isArray(check.instances) ? check.instances : []) {
      const fields = recordOf(instance);
      const at = text(recordOf(fields.address).to_display, MAX_PLAN_ADDRESS);
      for (const problem of Array.isArray(fields.problems) ? fields.problems : []) {
        const message = recordOf(problem).message;
        if (typeof message === 'string') this.addProblem(row, at && at !== address ? `${at}: ${message}` : message);
      }
    }
    if (truncated) this.checksTruncated = true;
  }

  /** A `condition_results` entry (format 1.1): one condition, grouped by the object it checks. */
  private addConditionResult(value: Json): void {
    const condition = recordOf(value);
    const address = text(condition.address, MAX_PLAN_ADDRESS);
    if (!address) return;
    const row = this.checkRow(address);
    if (row === null) return;
    const status: CheckStatus = condition.unknown === true ? 'unknown' : condition.result === true ? 'pass' : condition.result === false ? 'fail' : 'unknown';
    row.status = worse(row.status, status);
    if (status === 'fail' && typeof condition.error_message === 'string') this.addProblem(row, condition.error_message);
  }

  /** A state's JSON (`show -json` of a state) or anything else is not read as an empty plan. */
  checkIsPlan(): void {
    if (this.topLevel.has('planned_values') || this.topLevel.has('resource_changes')) return;
    if (this.topLevel.has('values')) throw new PlanReadError("The document is a state's JSON (tofu show -json of a state), not a plan's.");
    throw new PlanReadError("The document is not a plan's JSON: it has no planned_values.");
  }

  result(diagnostics: readonly PlanDiagnostic[]): StructuredPlan {
    const kept = diagnostics.slice(0, MAX_PLAN_DIAGNOSTICS);
    return StructuredPlan.parse({
      counts: this.counts,
      resources: this.resources.rows(),
      drift: this.drift.rows(),
      outputs: this.outputs.rows().map((row) => (this.sensitiveOutputs.has(row.name) ? { ...row, sensitive: true } : row)),
      checks: [...this.checks.values()],
      diagnostics: kept,
      truncated: this.resources.truncated || this.drift.truncated || this.outputs.truncated || this.checksTruncated || kept.length < diagnostics.length,
    });
  }
}

export interface ReadPlanOptions {
  /** Diagnostics from the plan's `-json` UI stream (`show -json` has none), kept with the plan. */
  diagnostics?: readonly PlanDiagnostic[];
}

/**
 * The structured plan of a `show -json` document: a file's path, or a stream of it (a child's
 * stdout). Streams with bounded memory. Throws PlanReadError when it is not a plan's JSON.
 */
export async function readStructuredPlan(input: JsonInput, options: ReadPlanOptions = {}): Promise<StructuredPlan> {
  const gatherer = new PlanGatherer();
  try {
    await walkJson(input, gatherer);
  } catch (error) {
    throw planReadError(typeof input === 'string' ? `The plan JSON ${input}` : 'The plan JSON', error);
  }
  gatherer.checkIsPlan();
  return gatherer.result(options.diagnostics ?? []);
}
