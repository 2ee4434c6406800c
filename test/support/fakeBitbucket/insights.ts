// Code Insights as Bitbucket keeps and checks them: one report per id and commit (a PUT creates or
// replaces it), annotations upserted by external id. Every body is checked against the OpenAPI
// document's `report` / `report_annotation` schemas and against Bitbucket's limits, and a body that
// fails any check changes nothing. Where each limit comes from:
//   - at most 100 annotations per POST: the bulk operation's description ("You can upload up to 100
//     annotations per POST request") and its request schema (`maxItems: 100`);
//   - at most 1,000 annotations per report: the same description ("a report can contain up to 1000
//     annotations"); a POST that would go past it is refused whole, as Bitbucket Server documents;
//   - at most 10 data fields per report: `report.data` in the document ("Maximum 10.");
//   - enums (report_type, result, data type, annotation_type, severity, annotation result): the
//     schemas and the operations' "Possible field values";
//   - an annotation's summary is at most 450 characters: Bitbucket's own refusal, quoted in
//     reviewdog/reviewdog#1285 ("The summary field cannot contain more than 450 characters.");
//   - a report needs title, details and report_type, an annotation annotation_type and summary (and
//     an external_id in a bulk POST): the operations' samples and descriptions. Other field lengths
//     are not documented for Bitbucket Cloud, so the fake does not invent them.
import { randomUUID } from 'node:crypto';
import { openApi } from '../openapiDocument';
import { nowIso, type FakeAnnotation, type FakeReport, type FakeRepository } from './model';

export const LIMITS = { annotationsPerPost: 100, annotationsPerReport: 1_000, dataFields: 10, summaryLength: 450 } as const;

const REPORT_TYPES = ['SECURITY', 'COVERAGE', 'TEST', 'BUG'];
const REPORT_RESULTS = ['PASSED', 'FAILED', 'PENDING'];
const DATA_TYPES = ['BOOLEAN', 'DATE', 'DURATION', 'LINK', 'NUMBER', 'PERCENTAGE', 'TEXT'];
const ANNOTATION_TYPES = ['VULNERABILITY', 'CODE_SMELL', 'BUG'];
const ANNOTATION_RESULTS = ['PASSED', 'FAILED', 'SKIPPED', 'IGNORED'];
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
/** Set by Bitbucket, never taken from a body. */
const READ_ONLY = ['uuid', 'created_on', 'updated_on', 'type', 'commit'];

/** Why a body was refused (answered as a 400 by the routes). */
export class InsightsRefusal extends Error {
  constructor(
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

const braced = () => `{${randomUUID()}}`;

function oneOf(input: Record<string, unknown>, field: string, allowed: string[], where: string): void {
  const value = input[field];
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    throw new InsightsRefusal(`${where}${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`, field);
  }
}

function required(input: Record<string, unknown>, fields: string[], where: string): void {
  for (const field of fields) {
    const value = input[field];
    if (typeof value !== 'string' || value.trim() === '') throw new InsightsRefusal(`${where}${field} is required.`, field);
  }
}

/** The document's schema check, once the fake's own checks (which give Bitbucket's wording) have passed. */
function schemaCheck(schema: '#/components/schemas/report' | '#/components/schemas/report_annotation', input: Record<string, unknown>, where: string): void {
  const loaded = openApi();
  if (!loaded) return;
  const validate = loaded.validator(schema);
  const typed = { type: schema.endsWith('report') ? 'report' : 'report_annotation', ...input };
  if (!validate(typed)) throw new InsightsRefusal(`${where}the body does not match Bitbucket's ${schema.split('/').at(-1)} schema: ${loaded.errorsText(validate.errors)}.`);
}

function dataValueCheck(entry: Record<string, unknown>, index: number): void {
  const value = entry.value;
  const where = `data[${index}].value`;
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new InsightsRefusal(`${where} must be ${what} for type ${String(entry.type ?? '(none)')}; got ${JSON.stringify(value)}.`, 'data');
  };
  switch (entry.type) {
    case 'BOOLEAN':
      return expect(typeof value === 'boolean', 'a boolean');
    case 'DATE':
    case 'DURATION':
    case 'NUMBER':
      return expect(typeof value === 'number' && Number.isFinite(value), 'a number');
    case 'PERCENTAGE':
      return expect(typeof value === 'number' && value >= 0 && value <= 100, 'a number from 0 to 100');
    case 'TEXT':
      return expect(typeof value === 'string', 'a string');
    case 'LINK': {
      const linkValue = value as { text?: unknown; href?: unknown } | null;
      return expect(typeof linkValue === 'object' && linkValue !== null && typeof linkValue.text === 'string' && typeof linkValue.href === 'string', 'an object {text, href}');
    }
    default:
      return expect(['string', 'number', 'boolean'].includes(typeof value), 'a number, string or boolean (no type given)');
  }
}

export function checkReport(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InsightsRefusal('The report must be a JSON object.');
  const input = Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !READ_ONLY.includes(key)));
  required(input, ['title', 'details', 'report_type'], '');
  oneOf(input, 'report_type', REPORT_TYPES, '');
  oneOf(input, 'result', REPORT_RESULTS, '');
  if (input.data !== undefined) {
    if (!Array.isArray(input.data)) throw new InsightsRefusal('data must be an array.', 'data');
    if (input.data.length > LIMITS.dataFields) throw new InsightsRefusal(`A report can have at most ${LIMITS.dataFields} data fields; this one has ${input.data.length}.`, 'data');
    input.data.forEach((entry: unknown, index) => {
      if (typeof entry !== 'object' || entry === null) throw new InsightsRefusal(`data[${index}] must be an object.`, 'data');
      const field = entry as Record<string, unknown>;
      oneOf(field, 'type', DATA_TYPES, `data[${index}].`);
      if (typeof field.title !== 'string' || field.title === '') throw new InsightsRefusal(`data[${index}].title is required.`, 'data');
      dataValueCheck(field, index);
    });
  }
  schemaCheck('#/components/schemas/report', input, '');
  return input;
}

export function checkAnnotation(body: unknown, where = ''): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InsightsRefusal(`${where}an annotation must be a JSON object.`);
  const input = Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !READ_ONLY.includes(key)));
  required(input, ['annotation_type', 'summary'], where);
  oneOf(input, 'annotation_type', ANNOTATION_TYPES, where);
  oneOf(input, 'result', ANNOTATION_RESULTS, where);
  oneOf(input, 'severity', SEVERITIES, where);
  if (typeof input.summary === 'string' && input.summary.length > LIMITS.summaryLength) {
    throw new InsightsRefusal(`${where}The summary field cannot contain more than ${LIMITS.summaryLength} characters.`, 'summary');
  }
  if (input.line !== undefined && (!Number.isInteger(input.line) || (input.line as number) < 1)) throw new InsightsRefusal(`${where}line must be a whole number from 1.`, 'line');
  schemaCheck('#/components/schemas/report_annotation', input, where);
  return input;
}

export function reportsOf(repository: FakeRepository, commit: string): FakeReport[] {
  const reports = repository.reports.get(commit) ?? [];
  repository.reports.set(commit, reports);
  return reports;
}

/** A report by the id in the path: its external id or its uuid. */
export function findReport(repository: FakeRepository, commit: string, reportId: string): FakeReport | undefined {
  return repository.reports.get(commit)?.find((report) => report.externalId === reportId || report.uuid.toLowerCase() === reportId.toLowerCase());
}

export function findAnnotation(report: FakeReport, annotationId: string): FakeAnnotation | undefined {
  return report.annotations.find((annotation) => annotation.externalId === annotationId || annotation.uuid.toLowerCase() === annotationId.toLowerCase());
}

export function putReport(repository: FakeRepository, commit: string, reportId: string, body: unknown): FakeReport {
  const fields = checkReport(body);
  const now = nowIso();
  const existing = findReport(repository, commit, reportId);
  if (existing) {
    // A PUT replaces the report's fields; its annotations stay until deleted or replaced.
    Object.assign(existing, { fields, updatedOn: now });
    return existing;
  }
  const report: FakeReport = { uuid: braced(), externalId: reportId, fields, createdOn: now, updatedOn: now, annotations: [] };
  reportsOf(repository, commit).push(report);
  return report;
}

/** Checks the whole batch first; then creates or updates each annotation by its external id. */
export function postAnnotations(report: FakeReport, body: unknown): FakeAnnotation[] {
  if (!Array.isArray(body)) throw new InsightsRefusal('The body must be a JSON array of annotations.');
  if (body.length === 0) throw new InsightsRefusal('At least one annotation is required.');
  if (body.length > LIMITS.annotationsPerPost) throw new InsightsRefusal(`At most ${LIMITS.annotationsPerPost} annotations can be sent in one request; this one has ${body.length}.`);
  const checked = body.map((entry: unknown, index) => {
    const fields = checkAnnotation(entry, `annotations[${index}]: `);
    if (typeof fields.external_id !== 'string' || fields.external_id === '') throw new InsightsRefusal(`annotations[${index}]: external_id is required.`, 'external_id');
    return fields as Record<string, unknown> & { external_id: string };
  });
  const ids = checked.map((fields) => fields.external_id);
  if (new Set(ids).size !== ids.length) throw new InsightsRefusal('Each annotation in one request needs its own external_id.', 'external_id');
  const added = ids.filter((id) => !findAnnotation(report, id)).length;
  if (report.annotations.length + added > LIMITS.annotationsPerReport) {
    throw new InsightsRefusal(`A report can have at most ${LIMITS.annotationsPerReport} annotations; it has ${report.annotations.length} and this request adds ${added}.`);
  }
  return checked.map((fields) => upsertAnnotation(report, fields.external_id, fields));
}

export function putAnnotation(report: FakeReport, annotationId: string, body: unknown): FakeAnnotation {
  const fields = checkAnnotation(body);
  if (!findAnnotation(report, annotationId) && report.annotations.length >= LIMITS.annotationsPerReport) {
    throw new InsightsRefusal(`A report can have at most ${LIMITS.annotationsPerReport} annotations.`);
  }
  return upsertAnnotation(report, annotationId, fields);
}

function upsertAnnotation(report: FakeReport, externalId: string, fields: Record<string, unknown>): FakeAnnotation {
  const now = nowIso();
  const existing = findAnnotation(report, externalId);
  if (existing) {
    Object.assign(existing, { fields: { ...fields, external_id: existing.externalId }, updatedOn: now });
    return existing;
  }
  const annotation: FakeAnnotation = { uuid: braced(), externalId, fields: { ...fields, external_id: externalId }, createdOn: now, updatedOn: now };
  report.annotations.push(annotation);
  return annotation;
}

export function renderReport(report: FakeReport) {
  return { type: 'report', ...report.fields, uuid: report.uuid, external_id: report.externalId, created_on: report.createdOn, updated_on: report.updatedOn };
}

export function renderAnnotation(annotation: FakeAnnotation) {
  return { type: 'report_annotation', ...annotation.fields, uuid: annotation.uuid, external_id: annotation.externalId, created_on: annotation.createdOn, updated_on: annotation.updatedOn };
}
