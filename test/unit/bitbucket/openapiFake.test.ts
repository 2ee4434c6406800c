// Holds the fake Bitbucket's own routes to Atlassian's OpenAPI document, beside openapi.test.ts (which
// drives the client's catalogue): every route the fake answers is an operation of the document with
// the scope the document names, every route beyond the client's catalogue is driven here (diffstat,
// pull requests and their reviews, comments and tasks, branch restrictions, default reviewers, Code
// Insights, executed pipelines' steps and logs, OIDC), every answer validates against the schema the
// document declares for its status, and every accepted request body against the document's request
// schema. The document's few self-contradictions are corrected in test/support/openapiDocument.ts.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Endpoints } from '../../../server/bitbucket/endpoints';
import { EVERY_SCOPE, startFakeBitbucket, type Exchange, type FakeBitbucket } from '../../support/fakeBitbucket';
import { ROUTES } from '../../support/fakeBitbucket/routes';
import { OPENAPI_DOCUMENT, openApi, type LoadedOpenApi } from '../../support/openapiDocument';
import { clientFor } from '../fakeBitbucket/client';
import { skipBecause } from '../../support/skipping';

const key = (method: string, template: string) => `${method} ${template}`;

/** A schema written inline in an operation, its `#/components/…` refs pointed into the registered document. */
function inDocument(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(inDocument);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).map(([name, value]) => [name, name === '$ref' && typeof value === 'string' ? `openapi${value}` : inDocument(value)]));
}

/** The schema of a response or request: a component by name, or an inline schema made to resolve. */
const schemaOf = (schema: { $ref?: string } | undefined): string | object | undefined => (schema === undefined ? undefined : (schema.$ref ?? (inDocument(schema) as object)));

/** Answers the document declares with no schema, whose shape the fake still keeps: held to the OIDC discovery standard. */
const UNDECLARED_JSON: Record<string, object> = {
  [key('GET', '/workspaces/{workspace}/pipelines-config/identity/oidc/keys.json')]: {
    type: 'object',
    required: ['keys'],
    properties: { keys: { type: 'array', minItems: 1, items: { type: 'object', required: ['kty', 'kid', 'alg', 'use', 'n', 'e'], properties: { kty: { const: 'RSA' }, alg: { const: 'RS256' } } } } },
  },
  [key('GET', '/workspaces/{workspace}/pipelines-config/identity/oidc/.well-known/openid-configuration')]: {
    type: 'object',
    required: ['issuer', 'jwks_uri', 'id_token_signing_alg_values_supported', 'response_types_supported', 'subject_types_supported', 'claims_supported'],
  },
};

describe('Bitbucket OpenAPI conformance (the fake Bitbucket\'s own routes)', function () {
  this.timeout(60_000);
  let api: LoadedOpenApi;
  let bitbucket: FakeBitbucket;
  let exchanges: Exchange[];
  let tools: string;

  before(async function () {
    const loaded = openApi();
    if (!loaded) return skipBecause(this, `Bitbucket's OpenAPI document is not at ${OPENAPI_DOCUMENT}`);
    api = loaded as LoadedOpenApi;
    tools = mkdtempSync(path.join(tmpdir(), 'stackhook-openapi-tools-'));
    writeFileSync(path.join(tools, 'tofu'), '#!/bin/sh\necho "Plan: 1 to add, 0 to change, 0 to destroy."\n');
    chmodSync(path.join(tools, 'tofu'), 0o755);

    bitbucket = await startFakeBitbucket({ record: true });
    const world = bitbucket.world;
    const ana = world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: 'ATATT3xFfGF0-ana', scopes: EVERY_SCOPE, workspaces: { acme: 'admin' } });
    const bo = world.addUser({ email: 'bo@example.com', displayName: 'Bo', token: 'ATATT3xFfGF0-bo', scopes: EVERY_SCOPE, workspaces: { acme: 'member' } });
    const asAna = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-ana');
    const asBo = clientFor(bitbucket, 'bo@example.com', 'ATATT3xFfGF0-bo');
    const base = '/repositories/acme/net';

    // A repository with git, a pull request with reviews, comments and tasks, rules around it.
    const yml = 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          name: Plan\n          oidc: true\n          script:\n            - tofu plan\n            - echo done\n';
    world.executePipelines('acme/net', { path: [tools] });
    bitbucket.pushCommit('acme/net', 'main', { 'main.tf': '# main\n', 'bitbucket-pipelines.yml': yml });
    const head = bitbucket.pushCommit('acme/net', 'feature/vpc', { 'vpc.tf': '# vpc\n', 'main.tf': null });
    const pull = bitbucket.pullRequests.create('acme/net', { source: 'feature/vpc', title: 'VPC', author: ana, reviewers: [bo] });
    world.addBranchRestriction('acme/net', { kind: 'require_approvals_to_merge', pattern: 'main', value: 1 });
    world.addBranchRestriction('acme/net', { kind: 'push', branchMatchKind: 'branching_model', branchType: 'production', users: [ana] });
    world.addDefaultReviewer('acme/net', bo);
    world.addDefaultReviewer('acme/net', ana, 'project');
    world.setBuildStatus('acme/net', head, { key: 'ci', state: 'SUCCESSFUL', refname: 'feature/vpc' });

    // Diffstat: a commit, a range, the pull request's redirect, pages, a 404 and a 555.
    await asAna.get(`${base}/diffstat/${head}`);
    await asAna.get(`${base}/diffstat/${head}..main?topic=false&pagelen=1`);
    const redirect = await asAna.get(`${base}/pullrequests/${pull.id}/diffstat`);
    await asAna.get(redirect.headers.get('location') ?? '');
    await asAna.get(`${base}/diffstat/0123456789ab`);
    world.limitDiffstat('acme/net', { timeoutAboveFiles: 0 });
    await asAna.get(`${base}/diffstat/${head}`);
    world.limitDiffstat('acme/net', { timeoutAboveFiles: null });

    // Pull requests: read, list, reviews, comments, tasks, statuses, decline, merge.
    await asAna.get(`${base}/pullrequests`);
    await asAna.get(`${base}/pullrequests?state=MERGED&state=OPEN`);
    await asAna.get(`${base}/pullrequests/${pull.id}`);
    await asAna.get(`${base}/pullrequests/404`);
    await asBo.send('POST', `${base}/pullrequests/${pull.id}/request-changes`);
    await asBo.send('DELETE', `${base}/pullrequests/${pull.id}/request-changes`);
    await asBo.send('DELETE', `${base}/pullrequests/${pull.id}/request-changes`);
    await asBo.send('POST', `${base}/pullrequests/${pull.id}/approve`);
    await asBo.send('DELETE', `${base}/pullrequests/${pull.id}/approve`);
    await asBo.send('POST', `${base}/pullrequests/${pull.id}/approve`);
    const question = await asBo.send('POST', `${base}/pullrequests/${pull.id}/comments`, { content: { raw: 'Why?' }, inline: { path: 'vpc.tf', to: 1 } });
    const answer = await asAna.send('POST', `${base}/pullrequests/${pull.id}/comments`, { content: { raw: 'Because.' }, parent: { id: question.json.id } });
    await asAna.send('PUT', `${base}/pullrequests/${pull.id}/comments/${answer.json.id}`, { content: { raw: 'Because, really.' } });
    await asAna.send('PUT', `${base}/pullrequests/${pull.id}/comments/${question.json.id}`, { content: { raw: 'not mine' } });
    await asAna.get(`${base}/pullrequests/${pull.id}/comments/${question.json.id}`);
    await asAna.send('DELETE', `${base}/pullrequests/${pull.id}/comments/${answer.json.id}`);
    await asAna.get(`${base}/pullrequests/${pull.id}/comments`);
    const task = await asAna.send('POST', `${base}/pullrequests/${pull.id}/tasks`, { content: { raw: 'Check the plan' } });
    await asAna.send('POST', `${base}/pullrequests/${pull.id}/tasks`, { content: {} });
    await asBo.send('PUT', `${base}/pullrequests/${pull.id}/tasks/${task.json.id}`, { state: 'RESOLVED' });
    await asAna.get(`${base}/pullrequests/${pull.id}/tasks/${task.json.id}`);
    await asAna.get(`${base}/pullrequests/${pull.id}/tasks?q=${encodeURIComponent('state="RESOLVED"')}`);
    await asAna.get(`${base}/pullrequests/${pull.id}/statuses`);
    await asAna.get(`${base}/pullrequests/${pull.id}`);
    const other = bitbucket.pullRequests.create('acme/net', { source: 'main', destination: 'feature/vpc' });
    await asAna.send('POST', `${base}/pullrequests/${other.id}/decline`);
    await asBo.send('POST', `${base}/pullrequests/${pull.id}/merge`, { type: 'pullrequest_merge_parameters', merge_strategy: 'squash', message: 'VPC' });
    await asBo.send('POST', `${base}/pullrequests/${pull.id}/merge`, { type: 'pullrequest_merge_parameters' });
    await asAna.get(`${base}/commit/${head}/pullrequests`);
    bitbucket.pushCommit('acme/net', 'left', { 'vpc.tf': '# left\n' });
    bitbucket.pushCommit('acme/net', 'main', { 'vpc.tf': '# right\n' });
    const conflicting = bitbucket.pullRequests.create('acme/net', { source: 'left' });
    await asBo.send('POST', `${base}/pullrequests/${conflicting.id}/merge`, { type: 'pullrequest_merge_parameters' });

    // Rules: branch restrictions (refused to a member), default reviewers.
    const restrictions = await asAna.get(`${base}/branch-restrictions?kind=require_approvals_to_merge`);
    await asAna.get(`${base}/branch-restrictions`);
    await asAna.get(`${base}/branch-restrictions/${restrictions.json.values[0].id}`);
    await asBo.get(`${base}/branch-restrictions`);
    await asAna.get(`${base}/default-reviewers`);
    await asAna.get(`${base}/effective-default-reviewers`);

    // A hook read by its uid, in a repository and a workspace.
    const hook = bitbucket.addHook('acme/net', { url: 'https://hooks.example.com/a', events: ['repo:push'], secret: 'whsec-1' });
    await asAna.get(`${base}/hooks/${encodeURIComponent(hook)}`);
    const workspaceHook = bitbucket.addWorkspaceHook('acme', { url: 'https://hooks.example.com/b', events: ['pullrequest:created'] });
    await asAna.get(`/workspaces/acme/hooks/${encodeURIComponent(workspaceHook)}`);

    // Build statuses of every tool.
    await asAna.send('POST', `${base}/commit/${head}/statuses/build`, { key: 'stackhook-net', state: 'INPROGRESS', url: 'vscode://stackhook.stackhook/run?id=1' });
    await asAna.get(`${base}/commit/${head}/statuses/build/stackhook-net`);
    await asAna.send('PUT', `${base}/commit/${head}/statuses/build/stackhook-net`, { key: 'stackhook-net', state: 'SUCCESSFUL', url: 'vscode://stackhook.stackhook/run?id=1' });
    await asAna.get(`${base}/commit/${head}/statuses`);

    // Code Insights: a report, annotations in bulk and one by one, refusals, deletes.
    const reports = `${base}/commit/${head}/reports`;
    await asAna.send('PUT', `${reports}/stackhook-net`, {
      title: 'Plan',
      details: '1 to add',
      report_type: 'BUG',
      result: 'PASSED',
      reporter: 'Stackhook',
      link: 'https://stackhook.example.com/runs/1',
      data: [{ title: 'To add', type: 'NUMBER', value: 1 }, { title: 'Safe', type: 'BOOLEAN', value: true }, { title: 'Run', type: 'LINK', value: { text: 'run', href: 'https://stackhook.example.com/runs/1' } }],
    });
    await asAna.send('PUT', `${reports}/bad`, { title: 'Plan', details: 'x', report_type: 'PLAN' });
    await asAna.get(reports);
    await asAna.get(`${reports}/stackhook-net`);
    await asAna.get(`${reports}/missing`);
    const annotations = Array.from({ length: 12 }, (_, i) => ({ external_id: `a${i}`, annotation_type: 'BUG', summary: `change ${i}`, severity: 'HIGH', path: 'vpc.tf', line: 1 }));
    await asAna.send('POST', `${reports}/stackhook-net/annotations`, annotations);
    await asAna.send('POST', `${reports}/stackhook-net/annotations`, [{ external_id: 'x', annotation_type: 'BUG', summary: 's'.repeat(451) }]);
    await asAna.get(`${reports}/stackhook-net/annotations`);
    await asAna.send('PUT', `${reports}/stackhook-net/annotations/one`, { annotation_type: 'CODE_SMELL', summary: 'drift', severity: 'LOW', result: 'FAILED' });
    await asAna.get(`${reports}/stackhook-net/annotations/one`);
    await asAna.send('DELETE', `${reports}/stackhook-net/annotations/one`);
    await asAna.send('PUT', `${reports}/other`, { title: 'T', details: 'd', report_type: 'TEST' });
    await asAna.send('DELETE', `${reports}/other`);

    // An executed pipeline: its steps, one step, its log whole and by Range (206, 416), stop; OIDC keys.
    const triggered = await asAna.send('POST', `${base}/pipelines`, {
      target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main', selector: { type: 'custom', pattern: 'stackhook' } },
      variables: [{ key: 'STACKHOOK_TOKEN', value: 'secret', secured: true }],
    });
    const pipeline = `${base}/pipelines/${encodeURIComponent(triggered.json.uuid)}`;
    for (let i = 0; i < 200 && (await asAna.get(pipeline)).json.state.name !== 'COMPLETED'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const steps = await asAna.get(`${pipeline}/steps`);
    const step = `${pipeline}/steps/${encodeURIComponent(steps.json.values[0].uuid)}`;
    await asAna.get(step);
    await asAna.get(`${pipeline}/steps/${encodeURIComponent('{00000000-0000-4000-8000-000000000000}')}`);
    await asAna.get(`${step}/log`);
    await asAna.get(`${step}/log`, { Range: 'bytes=3-' });
    await asAna.get(`${step}/log`, { Range: 'bytes=100000-' });
    await asAna.get(`${base}/pipelines?sort=-created_on`);
    await asAna.send('POST', `${pipeline}/stopPipeline`);
    await fetch(`${bitbucket.url}/workspaces/acme/pipelines-config/identity/oidc/keys.json`);
    await fetch(`${bitbucket.url}/workspaces/acme/pipelines-config/identity/oidc/.well-known/openid-configuration`);
    await fetch(`${bitbucket.url}/workspaces/nobody/pipelines-config/identity/oidc/keys.json`);
    exchanges = bitbucket.exchanges;
  });
  after(async () => {
    await bitbucket?.stop();
    if (tools) rmSync(tools, { recursive: true, force: true });
  });

  it('every route of the fake is an operation of the document, with a scope the document names for it (public ones have none)', () => {
    for (const route of ROUTES) {
      const operation = api.document.paths[route.template]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.template} is not in the document`);
      const scopes = (operation['x-atlassian-oauth2-scopes'] ?? []).flatMap((entry) => entry.scopes);
      if (route.scope === null) assert.deepEqual(scopes, [], `${route.method} ${route.template} is public in the fake but the document names scopes`);
      else assert.ok(scopes.includes(route.scope), `${route.method} ${route.template}: ${route.scope} is not among ${scopes.join(', ')}`);
    }
  });

  it("every route beyond the client's catalogue was driven here", () => {
    const catalogue = new Set(Object.values(Endpoints).map((endpoint) => key(endpoint.method, endpoint.template)));
    const made = new Set(exchanges.map((exchange) => key(exchange.method, exchange.template)));
    const missed = ROUTES.map((route) => key(route.method, route.template)).filter((route) => !catalogue.has(route) && !made.has(route));
    assert.deepEqual(missed, [], 'routes no conformance test drives');
  });

  it('every answer validates against the schema the document declares for its status', () => {
    const failures: string[] = [];
    let validated = 0;
    for (const exchange of exchanges) {
      const name = key(exchange.method, exchange.template);
      const operation = api.document.paths[exchange.template]?.[exchange.method.toLowerCase()];
      assert.ok(operation, `${name} is not in the document`);
      const declared = operation.responses[String(exchange.status)];
      if (exchange.text) {
        // A log (whole, or a part of it: the document encourages Range requests) or a file.
        assert.ok((exchange.status === 200 || (exchange.status === 206 && exchange.template.endsWith('/log'))) && /\/(log|src\/)/.test(exchange.template), `${name} answered text with ${exchange.status}`);
        continue;
      }
      if (!declared) assert.ok(exchange.status >= 400, `${name} answered ${exchange.status}, which the document does not declare`);
      const declaredSchema = declared ? schemaOf(Object.values(declared.content ?? {})[0]?.schema) : '#/components/schemas/error';
      const schema = declaredSchema ?? UNDECLARED_JSON[name] ?? (exchange.status >= 400 && exchange.body !== null ? '#/components/schemas/error' : undefined);
      if (schema === undefined) {
        assert.equal(exchange.body, null, `${name} ${exchange.status} should have no body`);
        continue;
      }
      const validate = api.validator(schema);
      if (!validate(exchange.body)) failures.push(`${name} ${exchange.status}: ${api.errorsText(validate.errors)}`);
      validated++;
    }
    assert.deepEqual(failures, []);
    assert.ok(validated > 60, `validated ${validated} bodies`);
    const statuses = new Set(exchanges.map((exchange) => exchange.status));
    for (const status of [200, 201, 204, 206, 302, 400, 403, 404, 409, 416, 555]) assert.ok(statuses.has(status), `no ${status} seen`);
  });

  it('every request body the fake accepted is valid for the request schema the document declares', () => {
    let checked = 0;
    for (const exchange of exchanges.filter((each) => each.request !== undefined && each.status < 400)) {
      const operation = api.document.paths[exchange.template]?.[exchange.method.toLowerCase()];
      const schema = schemaOf(Object.values(operation?.requestBody?.content ?? {})[0]?.schema as { $ref?: string } | undefined);
      if (!schema) continue;
      const validate = api.validator(schema);
      // Bitbucket never asks a client to send `type`, which the document's base `object` requires:
      // it is added where (and only where) the validator asks for it.
      const body = structuredClone(exchange.request) as Record<string, unknown>;
      for (let round = 0; round < 20 && !validate(body); round++) {
        const missing = validate.errors?.find((error) => error.keyword === 'required' && (error.params as { missingProperty?: string }).missingProperty === 'type');
        if (!missing) break;
        const target = missing.instancePath.split('/').slice(1).reduce<any>((node, part) => node?.[part], body);
        if (typeof target !== 'object' || target === null) break;
        target.type = 'typed-by-the-test';
      }
      assert.ok(validate(body), `${exchange.method} ${exchange.template}: ${api.errorsText(validate.errors)}`);
      checked++;
    }
    assert.ok(checked >= 10, `checked ${checked} request bodies`);
  });

  it('the corrected schemas still bite: a wrong participant state, a diffstat entry with a string for old, a task without content', () => {
    assert.equal(api.validator('#/components/schemas/participant')({ type: 'participant', state: null }), true);
    assert.equal(api.validator('#/components/schemas/participant')({ type: 'participant', state: 'maybe' }), false);
    assert.equal(api.validator('#/components/schemas/diffstat')({ type: 'diffstat', old: null, new: null }), true);
    assert.equal(api.validator('#/components/schemas/diffstat')({ type: 'diffstat', old: 'a.txt' }), false);
    assert.equal(api.validator('#/components/schemas/pullrequest_comment_task')({ created_on: '2026-01-01T00:00:00Z', updated_on: '2026-01-01T00:00:00Z', state: 'RESOLVED', creator: { type: 'user' } }), false);
    assert.equal(api.validator('#/components/schemas/report')({ type: 'report', report_type: 'PLAN' }), false);
  });
});
