// Atlassian's OpenAPI document for Bitbucket Cloud, loaded once per process and compiled with ajv,
// for the conformance tests and for the fake's own checks of Code Insights bodies. A few schemas
// contradict what Bitbucket sends (and what the document's own examples and enums say): those are
// corrected here, each with its reason, and nowhere else. Loading is lazy: a test that never asks
// pays nothing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type AjvClass from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type addFormatsPlugin from 'ajv-formats';

export const OPENAPI_DOCUMENT = path.resolve(__dirname, '../../../shared/fixtures/openapi/bitbucket-cloud.swagger.v3.json');

export interface OpenApiOperation {
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string; items?: { $ref?: string } } }> }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  'x-atlassian-oauth2-scopes'?: { scopes: string[] }[];
}

export interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

export interface LoadedOpenApi {
  document: OpenApi;
  /** A validator for `#/components/schemas/…` (or any schema object), every $ref resolving inside the document. */
  validator(schema: string | object): ValidateFunction;
  errorsText(errors: ErrorObject[] | null | undefined): string;
}

type Schema = Record<string, unknown>;
const part = (document: OpenApi, name: string, index = 1) => ((document.components.schemas[name]?.allOf as Schema[] | undefined)?.[index] ?? {}) as Schema;
const props = (schema: Schema) => (schema.properties ?? {}) as Record<string, Schema>;
const orNull = (schema: Schema | undefined): Schema => ({ anyOf: [schema ?? {}, { type: 'null' }] });

/** The corrections, each a place where the document refuses what Bitbucket really sends. */
export function correctDocument(document: OpenApi): void {
  // participant.state lists null in its enum but says `type: string`; Bitbucket sends null for a participant who neither approved nor requested changes.
  const participant = props(part(document, 'participant'));
  if (participant.state) participant.state = { ...participant.state, type: ['string', 'null'] };
  // A pull request that is not merged or closed carries `merge_commit: null` and `closed_by: null` (the webhook fixtures show both).
  const pullRequest = props(part(document, 'pullrequest'));
  pullRequest.merge_commit = orNull(pullRequest.merge_commit);
  pullRequest.closed_by = orNull(pullRequest.closed_by);
  // A diffstat entry of an added file has `old: null`, of a removed one `new: null`.
  const diffstat = props(document.components.schemas.diffstat ?? {});
  diffstat.old = orNull(diffstat.old);
  diffstat.new = orNull(diffstat.new);
  // report_data.value says `type: object`, yet the operation's own table and sample send numbers, booleans and strings ("value": 14).
  const reportData = props(document.components.schemas.report_data ?? {});
  if (reportData.value) reportData.value = { description: reportData.value.description };
  // task and the allOf parts of pullrequest_task and pullrequest_comment_task each forbid the others'
  // properties (additionalProperties: false in every part), so no task could ever validate.
  delete document.components.schemas.task?.additionalProperties;
  delete part(document, 'pullrequest_task').additionalProperties;
  delete part(document, 'pullrequest_comment_task').additionalProperties;
}

let loaded: LoadedOpenApi | null | undefined;

/** The document with its corrections, or null where it is not installed (tests then skip). */
export function openApi(): LoadedOpenApi | null {
  if (loaded !== undefined) return loaded;
  if (!existsSync(OPENAPI_DOCUMENT)) return (loaded = null);
  const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, 'utf8')) as OpenApi;
  correctDocument(document);
  // Loaded here, not at the top: the fake Bitbucket imports this module, and most tests never ask.
  const load = createRequire(__filename);
  const ajvModule = load('ajv') as { default?: typeof AjvClass } & typeof AjvClass;
  const formatsModule = load('ajv-formats') as { default?: typeof addFormatsPlugin } & typeof addFormatsPlugin;
  const Ajv = ajvModule.default ?? ajvModule;
  const addFormats = formatsModule.default ?? formatsModule;
  // OpenAPI 3.0 adds keywords JSON Schema does not know (discriminator, example, nullable): not strict.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document as unknown as object, 'openapi');
  const validators = new Map<string, ValidateFunction>();
  loaded = {
    document,
    validator(schema) {
      const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
      let validate = validators.get(key);
      if (!validate) {
        validate = ajv.compile(typeof schema === 'string' ? { $ref: `openapi${schema}` } : schema);
        validators.set(key, validate);
      }
      return validate;
    },
    errorsText: (errors) => ajv.errorsText(errors),
  };
  return loaded;
}
