// The Code Insights reporter: one report per stack on the run's commit (`stackhook-<stack id>`),
// PENDING while an OpenTofu or Terraform run works, then PASSED or FAILED with the plan's counts, the
// policy verdict and annotations on the lines that destroy or replace (insightsReport.ts builds it).
// A new run of the stack on a commit that already has the report deletes it first (one DELETE, which
// takes its annotations), so nothing of the older run is left. Calls: a DELETE when replacing, one
// PUT per moment (started, planned and waiting for a Confirm, ended), and ⌈annotations/100⌉ POSTs,
// once: the report the run puts when it ends keeps the annotations it put while it waited. A refusal (a missing scope, any 4xx) never fails the
// run: the outcome and its reason go on the run (`reports.insights`), as the status's and comment's do.
import type { InsightsAnnotation, InsightsReport } from '../../bitbucket/gateway';
import { redact } from '../../log';
import { localToolOf, type Run } from '../../protocol';
import { runSettingsOf } from '../../registry/state';
import { maskCredential } from '../../store/runLogText';
import { withRetries } from '../retries';
import { batches, buildInsightsReport, insightsReportId, pendingReport } from './insightsReport';
import { DETACHED, reasonOf, recordReport, type ReportContext, type RunReporter } from './reporter';

export const codeInsightsReporter: RunReporter = {
  report: (context, runId, moment) => (moment === 'started' ? reportPending(context, runId) : reportPlan(context, runId)),
  // Reviewers see the plan while it waits for a Confirm; when the run ends, only the report's fields change.
  planned: (context, runId) => reportPlan(context, runId),
};

/** Runs that plan with OpenTofu or Terraform have a structured plan to report; others report only the counts they bring. */
function plansWithTool(context: ReportContext): boolean {
  const { runner } = runSettingsOf(context.stack);
  return runner.type === 'local' && localToolOf(runner) !== 'custom';
}

const masked = (context: ReportContext, text: string) => maskCredential(redact(text), context.credential.secret);

function maskReport(context: ReportContext, report: InsightsReport): InsightsReport {
  return { ...report, title: masked(context, report.title), details: masked(context, report.details) };
}

function maskAnnotation(context: ReportContext, annotation: InsightsAnnotation): InsightsAnnotation {
  return { ...annotation, summary: masked(context, annotation.summary), ...(annotation.details !== undefined ? { details: masked(context, annotation.details) } : {}) };
}

const linkOf = (context: ReportContext, run: Run) => run.externalUrl ?? context.runLink(run);

async function reportPending(context: ReportContext, runId: string): Promise<void> {
  const record = context.book.record(runId);
  if (!record || record.run.commit === null || !plansWithTool(context)) return;
  if (!(await context.attached())) return recordReport(context, runId, { reports: { insights: 'skipped', insightsReason: DETACHED } });
  const { run } = record;
  const commit = run.commit as string;
  const id = insightsReportId(run.stackId);
  try {
    await replaceOlder(context, run, commit, id);
    const report = maskReport(context, pendingReport({ run, stackName: context.stack.name, link: linkOf(context, run) }));
    await withRetries(context.retryDelayMs, () => context.gateway.putInsightsReport(context.credential, context.stack.repository, commit, id, report, {}));
    await recordReport(context, runId, { reports: { insights: 'pending' } });
  } catch (error) {
    await recordReport(context, runId, { reports: { insights: 'failed', insightsReason: reasonOf(error) } });
  }
}

/** An older run's report on this commit goes first, annotations and all (at most once per run). */
async function replaceOlder(context: ReportContext, run: Run, commit: string, id: string): Promise<void> {
  if (run.reports.insights !== undefined || !context.book.insightsOn(run.stackId, commit, run.id)) return;
  await withRetries(context.retryDelayMs, () => context.gateway.deleteInsightsReport(context.credential, context.stack.repository, commit, id, {}));
}

async function reportPlan(context: ReportContext, runId: string): Promise<void> {
  const record = context.book.record(runId);
  if (!record || record.run.commit === null) return;
  const { run } = record;
  const plan = (await context.runPlans?.get(runId).catch(() => null)) ?? null;
  const counts = plan?.counts ?? run.plan ?? null;
  // A run that put no pending report and has no plan to tell of reports nothing.
  if (counts === null && run.reports.insights === undefined) return;
  if (!(await context.attached())) return recordReport(context, runId, { reports: { insights: 'skipped', insightsReason: DETACHED } });
  const commit = run.commit as string;
  const id = insightsReportId(run.stackId);
  const built = buildInsightsReport({
    run,
    stackName: context.stack.name,
    plan,
    counts,
    policy: run.policy ?? null,
    projectRoot: context.stack.projectRoot,
    link: linkOf(context, run),
  });
  try {
    await replaceOlder(context, run, commit, id);
    const call = { credential: context.credential, repository: context.stack.repository };
    await withRetries(context.retryDelayMs, () => context.gateway.putInsightsReport(call.credential, call.repository, commit, id, maskReport(context, built.report), {}));
    // Annotations were posted when the plan was ready (the same plan, the same findings): a PUT keeps them.
    const posted = run.reports.insights === 'posted';
    for (const batch of posted ? [] : batches(built.annotations.map((annotation) => maskAnnotation(context, annotation)))) {
      await withRetries(context.retryDelayMs, () => context.gateway.postInsightsAnnotations(call.credential, call.repository, commit, id, batch, {}));
    }
    await recordReport(context, runId, { reports: { insights: 'posted' } });
  } catch (error) {
    await recordReport(context, runId, { reports: { insights: 'failed', insightsReason: reasonOf(error) } });
  }
}
