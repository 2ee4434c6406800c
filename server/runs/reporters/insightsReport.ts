// What a run's Code Insights report says, built from Stackhook's own knowledge of the run: the plan's
// counts and rows, its diagnostics, the policy verdict. Pure, so the report's shape and Bitbucket's
// limits are tested without Bitbucket: at most 10 data fields, annotations ordered destroys, replaces,
// diagnostics, then the rest, at most 1,000 kept with the report's details saying how many were left
// out, summaries within 450 characters. Strings from the plan (addresses, diagnostics) are untrusted:
// they are cleaned and cut, and never make a link.
import { createHash } from 'node:crypto';
import type { InsightsAnnotation, InsightsReport } from '../../bitbucket/gateway';
import { policyWords } from '../../plans/policies';
import type { PlanCounts, PlanResourceRow, Run, RunPolicy, StructuredPlan } from '../../protocol';
import { renderCounts } from '../planSummary';
import { cutTo, oneLine } from '../runText';
import { STATE_WORDS } from './reporter';

/** Bitbucket's limits on a report (the fake Bitbucket's insights.ts says where each comes from). */
export const INSIGHTS_LIMITS = { dataFields: 10, annotationsPerPost: 100, annotationsPerReport: 1_000, summary: 450 } as const;
const MAX_DETAILS = 2_000;
const MAX_ID = 40;

/** One report per stack on a commit, so a new run of the stack replaces the old one's; within 40 characters. */
export function insightsReportId(stackId: string): string {
  const plain = `stackhook-${stackId}`;
  return plain.length <= MAX_ID ? plain : `stackhook-${createHash('sha256').update(stackId).digest('hex').slice(0, MAX_ID - 10)}`;
}

export interface InsightsInput {
  run: Run;
  stackName: string;
  /** The structured plan, when the run has one (OpenTofu and Terraform runs); else counts only. */
  plan: StructuredPlan | null;
  counts: PlanCounts | null;
  policy: RunPolicy | null;
  /** The stack's project root, which diagnostics' files are relative to. */
  projectRoot: string;
  link: string;
}

export interface BuiltReport {
  report: InsightsReport;
  annotations: InsightsAnnotation[];
  /** Annotations past Bitbucket's 1,000 that the report's details count instead. */
  leftOut: number;
}

const text = (value: string, max: number) => cutTo(oneLine(value), max);

/** The plan line in the tool's words, a replace counted as an add and a destroy as the tools print it. */
export function planLine(counts: PlanCounts): string {
  return renderCounts({ operation: 'plan', add: counts.add + counts.replace, change: counts.change, remove: counts.destroy + counts.replace, import: counts.import, forget: counts.forget });
}

/** The tools' action reasons, in words. */
const REASONS: Record<string, string> = {
  replace_because_tainted: 'it is tainted',
  replace_by_request: 'replacement was requested',
  replace_by_triggers: 'replace_triggered_by changed',
  delete_because_no_resource_config: 'it is no longer in the configuration',
  delete_because_no_module: 'its module is no longer in the configuration',
  delete_because_wrong_repetition: 'count or for_each changed how it repeats',
  delete_because_count_index: 'count no longer includes its index',
  delete_because_each_key: 'for_each no longer includes its key',
  delete_because_no_move_target: 'its moved block has no target',
};

function reasonOf(row: PlanResourceRow): string {
  if (row.reason === 'replace_because_cannot_update' || (row.action === 'replace' && row.replacePaths && row.replacePaths.length > 0)) {
    const paths = (row.replacePaths ?? []).slice(0, 5).map((parts) => parts.map(String).join('.'));
    return paths.length > 0 ? `${paths.join(', ')} cannot be updated in place` : 'it cannot be updated in place';
  }
  return row.reason ? (REASONS[row.reason] ?? row.reason.replace(/_/g, ' ')) : '';
}

const VERB: Partial<Record<PlanResourceRow['action'], string>> = { delete: 'destroyed', replace: 'replaced', forget: 'forgotten' };

function annotationId(kind: string, key: string): string {
  return `stackhook-${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

function result(input: InsightsInput): InsightsReport['result'] {
  const { run, counts, policy } = input;
  if (counts === null || counts.errored || run.state === 'failed' || run.state === 'stopped') return 'FAILED';
  return policy?.verdict === 'deny' ? 'FAILED' : 'PASSED';
}

/** The report while the run works: PENDING, with the run's link. */
export function pendingReport(input: Pick<InsightsInput, 'run' | 'stackName' | 'link'>): InsightsReport {
  return {
    title: text(`Stackhook ${input.stackName} (${input.run.kind} plan)`, 200),
    details: `The ${input.run.kind} run is ${STATE_WORDS[input.run.state]}; this report is filled in when its plan is ready.`,
    reporter: 'Stackhook',
    result: 'PENDING',
    link: input.link,
    data: [{ title: 'Run', type: 'LINK', value: { text: `run ${input.run.id}`, href: input.link } }],
  };
}

export function buildInsightsReport(input: InsightsInput): BuiltReport {
  const { run, plan, counts, policy } = input;
  const flagged = new Map<string, string[]>();
  for (const finding of policy?.findings ?? []) if (finding.address && finding.effect === 'deny') flagged.set(finding.address, [...(flagged.get(finding.address) ?? []), finding.message]);
  const rowsByAddress = new Map((plan?.resources ?? []).map((row) => [row.address, row]));

  const changed = (action: PlanResourceRow['action']): InsightsAnnotation[] =>
    (plan?.resources ?? [])
      .filter((row) => row.action === action)
      .map((row) => {
        const reason = reasonOf(row);
        const denied = flagged.get(row.address);
        return {
          externalId: annotationId('resource', row.address),
          summary: text(`${row.address} ${VERB[action] ?? action}${reason ? `: ${reason}` : ''}`, INSIGHTS_LIMITS.summary),
          details: text(`${row.address} will be ${VERB[action] ?? action}${reason ? ` because ${reason}` : ''}.${denied ? ` A policy denies it: ${denied.join(' ')}` : ''}`, MAX_DETAILS),
          severity: denied ? 'CRITICAL' : 'HIGH',
          annotationType: 'BUG',
          ...(row.location ? { path: row.location.path, ...(row.location.line ? { line: row.location.line } : {}) } : {}),
          link: input.link,
        };
      });
  const diagnostics: InsightsAnnotation[] = (plan?.diagnostics ?? [])
    .filter((diagnostic) => diagnostic.file !== undefined && diagnostic.line !== undefined)
    .map((diagnostic, index) => ({
      externalId: annotationId('diagnostic', `${index}:${diagnostic.file}:${diagnostic.line}:${diagnostic.summary}`),
      summary: text(`${diagnostic.severity === 'error' ? 'Error' : 'Warning'}: ${diagnostic.summary}`, INSIGHTS_LIMITS.summary),
      ...(diagnostic.detail ? { details: text(diagnostic.detail, MAX_DETAILS) } : {}),
      severity: diagnostic.severity === 'error' ? 'HIGH' : 'MEDIUM',
      annotationType: diagnostic.severity === 'error' ? 'BUG' : 'CODE_SMELL',
      path: repositoryPath(input.projectRoot, diagnostic.file as string),
      line: diagnostic.line as number,
    }));
  const findings: InsightsAnnotation[] = (policy?.findings ?? []).map((finding, index) => {
    const location = finding.address ? rowsByAddress.get(finding.address)?.location : undefined;
    return {
      externalId: annotationId('policy', `${index}:${finding.rule}:${finding.address ?? ''}`),
      summary: text(`Policy ${finding.effect === 'deny' ? 'denies' : 'warns'} (${finding.rule}): ${finding.message}`, INSIGHTS_LIMITS.summary),
      severity: finding.effect === 'deny' ? 'CRITICAL' : 'MEDIUM',
      annotationType: 'BUG',
      ...(location ? { path: location.path, ...(location.line ? { line: location.line } : {}) } : {}),
      link: input.link,
    };
  });
  const all = [...changed('delete'), ...changed('replace'), ...diagnostics, ...changed('forget'), ...findings];
  const annotations = all.slice(0, INSIGHTS_LIMITS.annotationsPerReport);
  const leftOut = all.length - annotations.length;

  const details = [
    counts ? planLine(counts) : (run.summary ?? `The ${run.kind} run ${STATE_WORDS[run.state]}.`),
    ...(counts && run.summary && run.summary !== planLine(counts) ? [`Run: ${run.summary}`] : []),
    policyWords(policy) + '.',
    ...(policy?.acknowledged ? [`Acknowledged by ${policy.acknowledged.by} at ${policy.acknowledged.at}: ${policy.acknowledged.reason}`] : []),
    ...(plan?.truncated ? ['The plan has more resources than Stackhook keeps rows for; the counts are whole.'] : []),
    ...(leftOut > 0 ? [`${leftOut} more annotations were left out (Bitbucket keeps at most ${INSIGHTS_LIMITS.annotationsPerReport} per report); the run in Stackhook lists them all.`] : []),
  ].join(' ');

  const duration = run.startedAt && run.endedAt ? Math.max(0, Date.parse(run.endedAt) - Date.parse(run.startedAt)) : null;
  const data: InsightsReport['data'] = [
    ...(counts
      ? ([
          { title: 'To add', type: 'NUMBER', value: counts.add },
          { title: 'To change', type: 'NUMBER', value: counts.change },
          { title: 'To replace', type: 'NUMBER', value: counts.replace },
          { title: 'To destroy', type: 'NUMBER', value: counts.destroy },
          { title: 'Drift', type: 'NUMBER', value: counts.drift },
        ] as const)
      : []),
    { title: 'Policy', type: 'TEXT', value: policyWords(policy).replace(/^Policy: /, '') },
    ...(duration !== null ? [{ title: 'Duration', type: 'DURATION' as const, value: duration }] : []),
    { title: 'Run', type: 'LINK', value: { text: `run ${run.id}`, href: input.link } },
  ];
  return {
    report: {
      title: text(`Stackhook ${input.stackName} (${run.kind} plan)`, 200),
      details: cutTo(details, MAX_DETAILS),
      reporter: 'Stackhook',
      result: result(input),
      link: input.link,
      data: data.slice(0, INSIGHTS_LIMITS.dataFields),
    },
    annotations,
    leftOut,
  };
}

/** A diagnostic's file is relative to the configuration's folder, the project root; an annotation's to the repository. */
function repositoryPath(projectRoot: string, file: string): string {
  const root = projectRoot.replace(/^\/+|\/+$/g, '');
  const relative = file.replace(/^\.\//, '');
  return root === '' ? relative : `${root}/${relative}`;
}

/** The annotations in the batches Bitbucket takes (at most 100 a POST). */
export function batches<T>(items: readonly T[], size: number = INSIGHTS_LIMITS.annotationsPerPost): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}
