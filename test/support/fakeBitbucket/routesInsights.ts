// The Code Insights endpoints: reports of a commit and their annotations (see insights.ts for the
// checks and where each limit comes from). Bitbucket's report service refuses with 400 and its own
// code; the fake answers the OpenAPI document's error object and, beside it, the service's flat
// `{key, message, arguments}` that Bitbucket has been seen to send (reviewdog/reviewdog#1285), so a
// client that reads either finds the reason.
import {
  InsightsRefusal,
  findAnnotation,
  findReport,
  postAnnotations,
  putAnnotation,
  putReport,
  renderAnnotation,
  renderReport,
} from './insights';
import { REPO, failure, json, paginate, route, withRepository, type Reply, type Route, type RouteContext } from './routeKit';
import type { FakeReport, FakeRepository } from './model';

const REPORTS = `${REPO}/commit/{commit}/reports`;
const SCOPE = 'read:repository:bitbucket';

function refused(error: unknown): Reply {
  if (!(error instanceof InsightsRefusal)) throw error;
  const key = 'report-service.general.bad-request';
  return json(400, { type: 'error', error: { message: error.message, data: { key, arguments: {}, ...(error.field ? { field: error.field } : {}) } }, key, message: error.message, arguments: {} });
}

function withReport(context: RouteContext, act: (repository: FakeRepository, report: FakeReport) => Reply): Reply {
  return withRepository(context, (repository) => {
    const report = findReport(repository, context.params.commit ?? '', context.params.reportId ?? '');
    if (!report) return failure(404, 'Report not found', `No report ${context.params.reportId} on commit ${context.params.commit}.`);
    return act(repository, report);
  });
}

export function insightsRoutes(): Route[] {
  return [
    route('GET', REPORTS, SCOPE, (context) =>
      withRepository(context, (repository) => paginate((repository.reports.get(context.params.commit ?? '') ?? []).map(renderReport), context)),
    ),
    route('PUT', `${REPORTS}/{reportId}`, SCOPE, (context) =>
      withRepository(context, (repository) => {
        try {
          return json(200, renderReport(putReport(repository, context.params.commit ?? '', context.params.reportId ?? '', context.body)));
        } catch (error) {
          return refused(error);
        }
      }),
    ),
    route('GET', `${REPORTS}/{reportId}`, SCOPE, (context) => withReport(context, (_repository, report) => json(200, renderReport(report)))),
    route('DELETE', `${REPORTS}/{reportId}`, SCOPE, (context) =>
      withReport(context, (repository, report) => {
        const reports = repository.reports.get(context.params.commit ?? '') ?? [];
        reports.splice(reports.indexOf(report), 1);
        return { status: 204 };
      }),
    ),
    route('GET', `${REPORTS}/{reportId}/annotations`, SCOPE, (context) =>
      withReport(context, (_repository, report) => paginate(report.annotations.map(renderAnnotation), context)),
    ),
    route('POST', `${REPORTS}/{reportId}/annotations`, SCOPE, (context) =>
      withReport(context, (_repository, report) => {
        try {
          return json(200, postAnnotations(report, context.body).map(renderAnnotation));
        } catch (error) {
          return refused(error);
        }
      }),
    ),
    route('GET', `${REPORTS}/{reportId}/annotations/{annotationId}`, SCOPE, (context) =>
      withReport(context, (_repository, report) => {
        const annotation = findAnnotation(report, context.params.annotationId ?? '');
        return annotation ? json(200, renderAnnotation(annotation)) : failure(404, 'Annotation not found');
      }),
    ),
    route('PUT', `${REPORTS}/{reportId}/annotations/{annotationId}`, SCOPE, (context) =>
      withReport(context, (_repository, report) => {
        try {
          return json(200, renderAnnotation(putAnnotation(report, context.params.annotationId ?? '', context.body)));
        } catch (error) {
          return refused(error);
        }
      }),
    ),
    route('DELETE', `${REPORTS}/{reportId}/annotations/{annotationId}`, SCOPE, (context) =>
      withReport(context, (_repository, report) => {
        const annotation = findAnnotation(report, context.params.annotationId ?? '');
        if (!annotation) return failure(404, 'Annotation not found');
        report.annotations.splice(report.annotations.indexOf(annotation), 1);
        return { status: 204 };
      }),
    ),
  ];
}
