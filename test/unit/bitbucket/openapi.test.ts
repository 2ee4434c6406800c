// Holds the client and the fake to Atlassian's OpenAPI document for Bitbucket Cloud: every request
// the client can make exists in the document (and is not one of the endpoints Bitbucket removed),
// and every answer the fake gives to those requests validates against the document's schemas. The
// fake's routes beyond the client's catalogue are held to the document in openapiFake.test.ts.
import { strict as assert } from 'node:assert';
import type { ValidateFunction } from 'ajv';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { Endpoints, REMOVED_ENDPOINTS } from '../../../server/bitbucket/endpoints';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { R14_EVENTS } from '../../../server/webhooks/subscribedEvents';
import { Logger } from '../../../server/log';
import { startAnswerHoldingProxy } from '../../support/answerHoldingProxy';
import { startFakeBitbucket, type Exchange, type FakeBitbucket } from '../../support/fakeBitbucket';
import { OPENAPI_DOCUMENT, openApi, type OpenApi, type OpenApiOperation as Operation } from '../../support/openapiDocument';
import { skipBecause } from '../../support/skipping';

const key = (method: string, template: string) => `${method} ${template}`;

describe('Bitbucket OpenAPI conformance (client requests and fake answers)', function () {
  let document: OpenApi;
  let validatorFor: (ref: string) => ValidateFunction;
  let errorsText: (errors: ValidateFunction['errors']) => string;

  before(function () {
    const loaded = openApi();
    if (!loaded) return skipBecause(this, `Bitbucket's OpenAPI document is not at ${OPENAPI_DOCUMENT}`);
    document = loaded.document;
    validatorFor = (ref) => loaded.validator(ref);
    errorsText = (errors) => loaded.errorsText(errors);
  });

  it('every request the client can make is in the document, and none is a removed endpoint', () => {
    for (const [name, endpoint] of Object.entries(Endpoints)) {
      const operation = document.paths[endpoint.template]?.[endpoint.method.toLowerCase()];
      assert.ok(operation, `${name}: ${endpoint.method} ${endpoint.template} is not in the OpenAPI document`);
      assert.ok(
        !REMOVED_ENDPOINTS.some((removed) => removed.method === endpoint.method && removed.template === endpoint.template),
        `${name} uses a removed endpoint`,
      );
    }
    for (const removed of REMOVED_ENDPOINTS) {
      assert.ok(document.paths[removed.template]?.[removed.method.toLowerCase()], `the document still lists ${removed.template}, which Bitbucket removed`);
    }
  });

  describe('driving every gateway request against the fake', () => {
    let bitbucket: FakeBitbucket;
    let exchanges: Exchange[];
    const target = { url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', secret: 'whsec-openapi-0001' };
    const credential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-openapi', credentialType: 'api_token' as const };

    before(async function () {
      this.timeout(30_000);
      bitbucket = await startFakeBitbucket({ record: true });
      bitbucket.world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: credential.secret, workspaces: { acme: 'admin', shared: 'member' } });
      bitbucket.world.addUser({ email: 'bo@example.com', token: 'ATATT3xFfGF0-readonly', scopes: ['read:user:bitbucket'], workspaces: { acme: 'member' } });
      bitbucket.world.addRepositories('acme', 120);
      bitbucket.world.addRepository('shared/tools', { isPrivate: false, mainBranch: null });
      bitbucket.world.addRepository('acme/indexing', { commitLinks: 'indexing' });
      bitbucket.world.addRepository('acme/unlinked', { commitLinks: 'not-installed' });
      const linked = bitbucket.world.repository('acme/repo-001');
      linked?.pullRequestsByCommit.set('0a1b2c3d4e5f', [7, 9]);
      bitbucket.addHook('acme/repo-002', { url: 'https://old.example.com/webhooks/bitbucket-cloud/acme-main', events: R14_EVENTS.slice(0, 5) });
      bitbucket.addWorkspaceHook('acme', { url: target.url, events: ['repo:push'], active: false });

      const gateway = createBitbucketGateway(bitbucket.url, new Logger(() => undefined), { ...settingsFromEnv({}), concurrency: 2 });
      const none = {};
      await gateway.testCredential(credential, none);
      await gateway.testCredential({ ...credential, secret: 'ATATT3xFfGF0-wrong' }, none);
      await gateway.testCredential({ ...credential, username: 'bo@example.com', secret: 'ATATT3xFfGF0-readonly' }, none);
      await gateway.listRepositories(credential, undefined, none);
      await gateway.getRepository(credential, 'acme/repo-003', none);
      await gateway.getRepository(credential, 'acme/missing', none).catch(() => undefined);
      bitbucket.world.addBranch('acme/repo-003', 'feature/vpc');
      await gateway.listBranches(credential, 'acme/repo-003', none);
      await gateway.getBranch(credential, 'acme/repo-003', 'feature/vpc', none);
      await gateway.getBranch(credential, 'acme/repo-003', 'mian', none);
      await gateway.webhookStatus(credential, ['acme/repo-001', 'acme/repo-002', 'shared/tools'], target, none);
      await gateway.configureWebhooks(credential, ['acme/repo-001', 'acme/repo-002', 'acme/missing'], target, none);
      await gateway.removeWebhooks(credential, ['acme/repo-001'], target, none);
      await gateway.workspaceWebhookStatus(credential, 'acme', target, none);
      await gateway.configureWorkspaceWebhook(credential, 'acme', target, none);
      await gateway.removeWorkspaceWebhook(credential, 'acme', target, none);
      await gateway.configureWorkspaceWebhook(credential, 'acme', target, none);
      await gateway.commitLinks(credential, 'acme/repo-001', '0a1b2c3d4e5f', none);
      await gateway.commitLinks(credential, 'acme/indexing', '0a1b2c3d4e5f', none);
      await gateway.commitLinks(credential, 'acme/unlinked', '0a1b2c3d4e5f', none);

      // Runs: branches, a file at a commit, a pipeline from trigger to its log, stopping one, statuses, comments.
      const pipelinesYaml = 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          script:\n            - tofu plan\n';
      const head = bitbucket.world.addBranch('acme/repo-004', 'main');
      bitbucket.world.addBranch('acme/repo-004', 'feature/x');
      bitbucket.world.addFile('acme/repo-004', head, 'bitbucket-pipelines.yml', pipelinesYaml);
      bitbucket.world.addPullRequest('acme/repo-004', 3);
      const repository = bitbucket.world.repository('acme/repo-004');
      if (repository) repository.pipelineScript = { ...repository.pipelineScript, pendingMs: 0, durationMs: 0 };
      await gateway.cloneUrl(credential, 'acme/repo-004', none);
      await gateway.listBranches(credential, 'acme/repo-004', none);
      await gateway.getBranch(credential, 'acme/repo-004', 'feature/x', none);
      await gateway.getBranch(credential, 'acme/repo-004', 'missing', none);
      await gateway.readSourceFile(credential, 'acme/repo-004', head, 'bitbucket-pipelines.yml', none);
      await gateway.readSourceFile(credential, 'acme/repo-004', head, 'envs/none.yml', none);
      const trigger = { branch: 'main', commit: head, pipeline: 'stackhook', variables: { STACKHOOK_RUN_ID: 'r1' } };
      const done = await gateway.triggerPipeline(credential, 'acme/repo-004', trigger, none);
      await gateway.getPipeline(credential, 'acme/repo-004', done.uuid, none);
      await gateway.pipelineLog(credential, 'acme/repo-004', done.uuid, 10_000, none);
      assert.equal((await gateway.findTriggeredPipeline(credential, 'acme/repo-004', trigger, none))?.uuid, done.uuid);
      await gateway.triggerPipeline(credential, 'acme/repo-004', { ...trigger, pipeline: 'undefined-one' }, none).catch(() => undefined);
      if (repository) repository.pipelineScript = { ...repository.pipelineScript, durationMs: 60_000 };
      const long = await gateway.triggerPipeline(credential, 'acme/repo-004', trigger, none);
      await gateway.stopPipeline(credential, 'acme/repo-004', long.uuid, none);
      const status = { key: 'stackhook-tracked-net', state: 'INPROGRESS' as const, name: 'Stackhook net (tracked)', description: 'running', url: 'vscode://stackhook.stackhook/run?id=r1' };
      await gateway.writeBuildStatus(credential, 'acme/repo-004', head, status, true, none);
      await gateway.writeBuildStatus(credential, 'acme/repo-004', head, { ...status, state: 'SUCCESSFUL' }, false, none);
      // Trigger paths: what a push changed, paged (a page of 2 here), and a new branch against the tracked one.
      const before = bitbucket.pushCommit('acme/repo-005', 'main', { 'envs/prod/main.tf': 'a\n', 'README.md': 'r\n' });
      const after = bitbucket.pushCommit('acme/repo-005', 'main', { 'envs/prod/main.tf': 'b\n', 'modules/vpc/main.tf': 'v\n', 'README.md': null });
      bitbucket.world.limitDiffstat('acme/repo-005', { defaultPagelen: 2, maxPagelen: 2 });
      const changed = await gateway.changedPaths(credential, 'acme/repo-005', { source: after, destination: before, topic: false }, 5_000, none);
      assert.deepEqual(changed.kind === 'read' ? [...changed.paths].sort() : changed, ['README.md', 'envs/prod/main.tf', 'modules/vpc/main.tf']);
      const comment = await gateway.writePullRequestComment(credential, 'acme/repo-004', 3, '**Stackhook** planned', null, none);
      await gateway.writePullRequestComment(credential, 'acme/repo-004', 3, '**Stackhook** planned again', comment, none);
      // Code Insights: a report, its annotations, and deleting it (a rerun replaces it).
      const report = { title: 'Stackhook net (proposed plan)', details: 'Plan: 1 to add, 0 to change, 1 to destroy.', reporter: 'Stackhook', result: 'FAILED' as const, link: 'https://stackhook.example.com/runs/r1', data: [{ title: 'To destroy', type: 'NUMBER' as const, value: 1 }, { title: 'Run', type: 'LINK' as const, value: { text: 'run r1', href: 'https://stackhook.example.com/runs/r1' } }] };
      await gateway.putInsightsReport(credential, 'acme/repo-004', head, 'stackhook-net', report, none);
      await gateway.postInsightsAnnotations(credential, 'acme/repo-004', head, 'stackhook-net', [{ externalId: 'a1', summary: 'aws_db_instance.main destroyed', severity: 'CRITICAL', annotationType: 'BUG', path: 'main.tf', line: 3, link: 'https://stackhook.example.com/runs/r1' }], none);
      await gateway.deleteInsightsReport(credential, 'acme/repo-004', head, 'stackhook-net', none);
      await gateway.deleteInsightsReport(credential, 'acme/repo-004', head, 'stackhook-net', none);
      // A comment whose creation went unanswered is looked for among the pull request's comments.
      const dropping = await startAnswerHoldingProxy(bitbucket.url, (request) => request.method === 'POST' && /\/comments$/.test(request.url ?? ''), { drop: true });
      const unanswered = createBitbucketGateway(dropping.url, new Logger(() => undefined), { ...settingsFromEnv({}), concurrency: 2 });
      await unanswered.writePullRequestComment(credential, 'acme/repo-004', 3, '**Stackhook** planned, answer lost', null, none);
      await dropping.stop();
      exchanges = bitbucket.exchanges;
    });
    after(() => bitbucket?.stop());

    it('exercised every endpoint of the client and nothing else', () => {
      const made = new Set(exchanges.map((exchange) => key(exchange.method, exchange.template)));
      const catalogue = new Set(Object.values(Endpoints).map((endpoint) => key(endpoint.method, endpoint.template)));
      assert.deepEqual([...made].filter((call) => !catalogue.has(call)), [], 'requests outside the catalogue');
      assert.deepEqual([...catalogue].filter((call) => !made.has(call)), [], 'catalogue entries never exercised');
    });

    it('every answer the fake gave validates against the schema the document declares for its status', () => {
      let validated = 0;
      const failures: string[] = [];
      for (const exchange of exchanges) {
        const operation = document.paths[exchange.template]?.[exchange.method.toLowerCase()];
        assert.ok(operation, `${exchange.method} ${exchange.template} is not in the document`);
        const declared = operation.responses[String(exchange.status)];
        // The document leaves out some refusals Bitbucket does give (a 403 for a missing scope on any
        // endpoint): those must still be Bitbucket's error object.
        if (!declared) assert.ok(exchange.status >= 400, `${exchange.method} ${exchange.template} answered ${exchange.status}, which the document does not declare`);
        const ref = declared ? declared.content?.['application/json']?.schema?.$ref : '#/components/schemas/error';
        // A step's log and a file are text: the document declares no JSON for them (or JSON only for a directory listing).
        if (exchange.text) {
          assert.ok(exchange.status === 200 && /\/(log|src\/)/.test(exchange.template), `${exchange.method} ${exchange.template} answered text`);
          continue;
        }
        // An array of a schema, declared inline (the annotations a bulk POST answers): each item against it.
        const itemsRef = declared?.content?.['application/json']?.schema?.items?.$ref;
        if (!ref && itemsRef && Array.isArray(exchange.body)) {
          const validateItem = validatorFor(itemsRef);
          for (const item of exchange.body) if (!validateItem(item)) failures.push(`${exchange.method} ${exchange.template} ${exchange.status}: ${errorsText(validateItem.errors)}`);
          validated++;
          continue;
        }
        if (!ref) {
          assert.equal(exchange.body, null, `${exchange.method} ${exchange.template} ${exchange.status} should have no body`);
          continue;
        }
        const validate = validatorFor(ref);
        if (!validate(exchange.body)) failures.push(`${exchange.method} ${exchange.template} ${exchange.status}: ${errorsText(validate.errors)}`);
        validated++;
      }
      assert.deepEqual(failures, []);
      assert.ok(validated > 20, `validated ${validated} bodies`);
    });

    it('the schemas bite: a wrong body fails validation (so passing means something)', () => {
      assert.equal(validatorFor('#/components/schemas/webhook_subscription')({ type: 'webhook_subscription', events: ['repo:nonsense'] }), false);
      assert.equal(validatorFor('#/components/schemas/paginated_repositories')({ values: [{ full_name: 'a/b' }] }), false, 'type is required');
      assert.equal(validatorFor('#/components/schemas/paginated_repositories')({ values: [], surprise: 1 }), false, 'envelopes allow no extra keys');
      assert.equal(validatorFor('#/components/schemas/error')({ type: 'error', error: { detail: 'no message' } }), false);
    });

    it('run writes the client sent are valid commitstatus, pullrequest_comment and pipeline bodies', () => {
      const schemaOf: Record<string, string> = {
        '/statuses/build': '#/components/schemas/commitstatus',
        '/comments': '#/components/schemas/pullrequest_comment',
        '/pipelines': '#/components/schemas/pipeline',
      };
      let checked = 0;
      for (const write of exchanges.filter((exchange) => exchange.method === 'POST' || exchange.method === 'PUT')) {
        const entry = Object.entries(schemaOf).find(([suffix]) => write.template.replace(/\/\{[a-z_]+\}$/, '').endsWith(suffix));
        if (!entry || write.request === undefined) continue;
        const validate = validatorFor(entry[1]);
        const type = entry[1].endsWith('commitstatus') ? 'commitstatus' : entry[1].endsWith('pipeline') ? 'pipeline' : 'pullrequest_comment';
        assert.ok(validate({ type, ...(write.request as object) }), `${write.method} ${write.template}: ${errorsText(validate.errors)}`);
        checked++;
      }
      assert.ok(checked >= 6, `checked ${checked} run writes`);
    });

    it('each endpoint names a scope the document lists for it (x-atlassian-oauth2-scopes)', () => {
      for (const [name, endpoint] of Object.entries(Endpoints)) {
        const operation = document.paths[endpoint.template]?.[endpoint.method.toLowerCase()] as (Operation & { 'x-atlassian-oauth2-scopes'?: { scopes: string[] }[] }) | undefined;
        const scopes = (operation?.['x-atlassian-oauth2-scopes'] ?? []).flatMap((entry) => entry.scopes);
        assert.ok(scopes.includes(endpoint.scope), `${name}: ${endpoint.scope} is not among ${scopes.join(', ')}`);
      }
    });

    it('the statuses seen include the ones the client handles: 200, 201, 202, 204, 401, 403, 404', () => {
      const statuses = new Set(exchanges.map((exchange) => exchange.status));
      for (const status of [200, 201, 202, 204, 401, 403, 404]) assert.ok(statuses.has(status), `no ${status} seen`);
    });

    it('hook bodies the client sent are valid webhook_subscription fields (known events, a URI)', () => {
      const writes = exchanges.filter((exchange) => (exchange.method === 'POST' || exchange.method === 'PUT') && exchange.template.includes('/hooks'));
      assert.ok(writes.length >= 3);
      const validate = validatorFor('#/components/schemas/webhook_subscription');
      for (const write of writes) {
        const body = { type: 'webhook_subscription', ...(write.request as object) };
        assert.ok(validate(body), `${write.method} ${write.template}: ${errorsText(validate.errors)}`);
      }
    });
  });
});
