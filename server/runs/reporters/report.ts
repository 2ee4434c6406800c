// Reporting a run back to Bitbucket, in one place: report(run, moment) asks every reporter in turn.
// A new kind of report is one more file in this folder and its line in REPORTERS; where the editor
// should show how it went, a field in the protocol's RunReports.
import { buildStatusReporter } from './buildStatus';
import { codeInsightsReporter } from './codeInsights';
import { pullRequestCommentReporter } from './pullRequestComment';
import type { ReportContext, ReportMoment, RunReporter } from './reporter';

/** In this order: the build status on the commit, the pull request's comment, then the Code Insights report. */
export const REPORTERS: readonly RunReporter[] = [buildStatusReporter, pullRequestCommentReporter, codeInsightsReporter];

export async function report(context: ReportContext, runId: string, moment: ReportMoment): Promise<void> {
  for (const reporter of REPORTERS) await reporter.report(context, runId, moment);
}

/** A run's plan is ready and it waits for a Confirm: the reporters that say something then (the Code Insights report). */
export async function reportPlanned(context: ReportContext, runId: string): Promise<void> {
  for (const reporter of REPORTERS) await reporter.planned?.(context, runId);
}
