// Code Insights calls: a report on a commit (PUT creates or replaces its fields), its deletion (which
// takes its annotations with it), and annotations in batches of at most 100. Bodies are Bitbucket's
// `report` and `report_annotation` shapes; what goes in them is the insights reporter's.
import * as z from 'zod';
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { InsightsAnnotation, InsightsReport } from './gateway';
import type { BitbucketHttp } from './transport';

/** Bitbucket's limit on annotations per POST. */
export const ANNOTATIONS_PER_POST = 100;

const ReportAnswer = z.object({ uuid: z.string().optional() }).loose();
const AnnotationsAnswer = z.array(z.object({ uuid: z.string().optional() }).loose());

function params(fullName: string, commit: string, reportId: string) {
  return { ...repositoryParams(fullName), commit, reportId };
}

export async function putInsightsReport(http: BitbucketHttp, fullName: string, commit: string, reportId: string, report: InsightsReport, signal?: AbortSignal): Promise<void> {
  await http.json(
    {
      endpoint: Endpoints.putInsightsReport,
      target: pathOf(Endpoints.putInsightsReport.template, params(fullName, commit, reportId)),
      body: { ...report, report_type: 'BUG' },
      schema: ReportAnswer,
      what: `put the Code Insights report ${reportId} on ${commit.slice(0, 12)} in ${fullName}`,
    },
    signal,
  );
}

export async function deleteInsightsReport(http: BitbucketHttp, fullName: string, commit: string, reportId: string, signal?: AbortSignal): Promise<void> {
  await http.call(
    {
      endpoint: Endpoints.deleteInsightsReport,
      target: pathOf(Endpoints.deleteInsightsReport.template, params(fullName, commit, reportId)),
      schema: null,
      what: `delete the Code Insights report ${reportId} of ${commit.slice(0, 12)} in ${fullName}`,
      accept: [404],
    },
    signal,
  );
}

export async function postInsightsAnnotations(
  http: BitbucketHttp,
  fullName: string,
  commit: string,
  reportId: string,
  annotations: readonly InsightsAnnotation[],
  signal?: AbortSignal,
): Promise<void> {
  if (annotations.length > ANNOTATIONS_PER_POST) throw new Error(`At most ${ANNOTATIONS_PER_POST} annotations go in one request; ${annotations.length} were given.`);
  const body = annotations.map((annotation) => ({
    external_id: annotation.externalId,
    annotation_type: annotation.annotationType,
    summary: annotation.summary,
    severity: annotation.severity,
    ...(annotation.details !== undefined ? { details: annotation.details } : {}),
    ...(annotation.path !== undefined ? { path: annotation.path } : {}),
    ...(annotation.line !== undefined ? { line: annotation.line } : {}),
    ...(annotation.link !== undefined ? { link: annotation.link } : {}),
  }));
  await http.json(
    {
      endpoint: Endpoints.postInsightsAnnotations,
      target: pathOf(Endpoints.postInsightsAnnotations.template, params(fullName, commit, reportId)),
      body,
      schema: AnnotationsAnswer,
      what: `add ${annotations.length} annotations to the Code Insights report ${reportId} on ${commit.slice(0, 12)} in ${fullName}`,
    },
    signal,
  );
}
