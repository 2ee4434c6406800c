// Bad input gets `Invalid` and changes nothing: every request the protocol defines (found in
// server/protocol/methods.ts, so a new one without a case here fails), with each required field
// missing, each field of the wrong type or oversized, an unknown field, and params that are not an
// object, through the built server over stdio. Nothing in the store changes and no change is announced.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { handlers } from '../../server/rpc/handlers';
import { SERVER_REQUESTS } from '../support/protocolRequests';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';
import { assertStoreUnchanged, storeSnapshot } from '../support/storeSnapshot';

const long = (n: number) => 'x'.repeat(n);
const RUN = { runId: 'r1' };

/**
 * Params each request accepts, every optional field given, from which the bad cases are made. A new
 * request needs an entry here: the first test below names any request without one.
 */
const VALID: Record<string, Record<string, unknown>> = {
  [Protocol.Status.method]: {},
  [Protocol.SpacesList.method]: {},
  [Protocol.SpacesCreate.method]: { name: 'Payments', parentId: 'root', inheritEntities: true },
  [Protocol.AccessGrant.method]: { user: 'bo', spaceId: 'root', role: 'read' },
  [Protocol.IntegrationsList.method]: {},
  [Protocol.IntegrationsGet.method]: { id: 'main' },
  [Protocol.IntegrationsCreate.method]: { name: 'Second', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-bad-input-secret', credentialType: 'api_token', labels: ['a'], description: 'd', verify: false },
  [Protocol.IntegrationsUpdate.method]: { id: 'main', username: 'bo@example.com', secret: 'ATATT-bad-input-other', credentialType: 'api_token', labels: ['b'], description: 'e', verify: false },
  [Protocol.IntegrationsDelete.method]: { id: 'main' },
  [Protocol.IntegrationsTest.method]: { id: 'main' },
  [Protocol.IntegrationsWebhookSecret.method]: { id: 'main', regenerate: true },
  [Protocol.IntegrationsPreview.method]: { name: 'Third' },
  [Protocol.IntegrationsCheckUsername.method]: { username: 'ana@example.com' },
  [Protocol.IntegrationsDeletePreview.method]: { id: 'main' },
  [Protocol.RepositoriesList.method]: { integrationId: 'main', workspace: 'acme' },
  [Protocol.RepositoriesBranches.method]: { integrationId: 'main', repository: 'acme/net' },
  [Protocol.RepositoriesCommitLinks.method]: { integrationId: 'main', repository: 'acme/net', commit: '0a1b2c3d' },
  [Protocol.RepositoriesCommitLinksStatus.method]: { integrationId: 'main', repository: 'acme/net' },
  [Protocol.RepositoriesWebLinks.method]: { repository: 'acme/net' },
  [Protocol.WebhooksStatus.method]: { integrationId: 'main', repositories: ['acme/net'] },
  [Protocol.WebhooksConfigure.method]: { integrationId: 'main', repositories: ['acme/net'], resendSecret: true },
  [Protocol.WebhooksRemove.method]: { integrationId: 'main', repositories: ['acme/net'] },
  [Protocol.WebhooksWorkspaceStatus.method]: { integrationId: 'main', workspace: 'acme' },
  [Protocol.WebhooksConfigureWorkspace.method]: { integrationId: 'main', workspace: 'acme', resendSecret: true },
  [Protocol.WebhooksRemoveWorkspace.method]: { integrationId: 'main', workspace: 'acme' },
  [Protocol.WebhooksSettings.method]: { integrationId: 'main' },
  [Protocol.WebhooksExpected.method]: { integrationId: 'main' },
  [Protocol.StacksList.method]: {},
  [Protocol.StacksCreate.method]: {
    name: 'dns', spaceId: 'root', integrationId: 'main', repository: 'acme/dns', branch: 'main', projectRoot: '', verify: false,
    runner: { type: 'pipelines', pipeline: 'stackhook' }, autodeploy: false, allowForks: false,
    driftSchedule: { cron: '0 * * * *', timeZone: 'UTC' }, reconcile: 'propose',
  },
  [Protocol.StacksSetIntegration.method]: { stackId: 'net', integrationId: 'main' },
  [Protocol.StacksReattachAll.method]: { integrationId: 'main' },
  [Protocol.StacksDelete.method]: { stackId: 'net' },
  [Protocol.StacksTriggerRun.method]: { stackId: 'net' },
  [Protocol.StacksUpdate.method]: { stackId: 'net', runner: { type: 'pipelines', pipeline: 'deploy' }, autodeploy: true, allowForks: false, branch: 'next', projectRoot: 'envs', verify: false, driftSchedule: { cron: '0 * * * *', timeZone: 'UTC' }, reconcile: 'off' },
  [Protocol.StacksPreview.method]: { name: 'edge' },
  [Protocol.StacksCheckRunner.method]: { stackId: 'net' },
  [Protocol.RunsList.method]: { stackId: 'net', limit: 5 },
  [Protocol.RunsGet.method]: RUN,
  [Protocol.RunsLog.method]: { ...RUN, offset: 0 },
  [Protocol.RunsCancel.method]: RUN,
  [Protocol.RunsConfirm.method]: RUN,
  [Protocol.RunsDiscard.method]: RUN,
  [Protocol.RunsRetry.method]: RUN,
  [Protocol.RunsPlan.method]: RUN,
  [Protocol.RunsResourceChange.method]: { ...RUN, address: 'aws_instance.web' },
  [Protocol.StacksVariablesList.method]: { stackId: 'net' },
  [Protocol.StacksVariablesSet.method]: { stackId: 'net', name: 'TF_VAR_region', value: 'eu-west-1', secret: false },
  [Protocol.StacksVariablesDelete.method]: { stackId: 'net', name: 'TF_VAR_region' },
  [Protocol.SpacesVariablesList.method]: { spaceId: 'root' },
  [Protocol.SpacesVariablesSet.method]: { spaceId: 'root', name: 'AWS_REGION', value: 'eu-west-1', secret: true },
  [Protocol.SpacesVariablesDelete.method]: { spaceId: 'root', name: 'AWS_REGION' },
  [Protocol.StacksCheckDrift.method]: { stackId: 'net' },
  [Protocol.RunsDrift.method]: RUN,
  [Protocol.DeliveriesList.method]: { limit: 5 },
  [Protocol.PoliciesList.method]: { stackId: 'net' },
  [Protocol.PoliciesSet.method]: { stackId: 'net', rules: [{ kind: 'protectedTypes', types: ['aws_db_instance'], actions: ['delete'], modules: ['module.db'], effect: 'deny' }] },
  [Protocol.PoliciesDelete.method]: { stackId: 'net' },
  [Protocol.RunsAcknowledge.method]: { ...RUN, reason: 'the migration is planned' },
  [Protocol.UsersInvite.method]: { name: 'bo', days: 7 },
  [Protocol.UsersLinkBitbucket.method]: { user: 'bo', accountId: '557058:6f2c1c4e-0000-4000-8000-000000000000' },
};

/** Values a field accepts by design, which the generic bad values below would otherwise try. */
const ACCEPTED: Record<string, readonly unknown[]> = {
  // Asked while a name or username is typed: an empty one is answered with its problem, not refused.
  [`${Protocol.IntegrationsPreview.method} name`]: [''],
  [`${Protocol.StacksPreview.method} name`]: [''],
  [`${Protocol.IntegrationsCheckUsername.method} username`]: [''],
  // An offset past the end of a log reads nothing.
  [`${Protocol.RunsLog.method} offset`]: [1e9],
  // A variable's value may be empty, and up to 32 KiB (its oversized case is below).
  [`${Protocol.StacksVariablesSet.method} value`]: ['', long(10_000)],
  [`${Protocol.SpacesVariablesSet.method} value`]: ['', long(10_000)],
};

/** Values of the wrong type, and values too large, for a field holding `value`. */
function badValues(method: string, key: string, value: unknown): unknown[] {
  const wrongType =
    typeof value === 'string' ? [42, true, { nested: 'object' }, null]
      : typeof value === 'boolean' ? ['yes', 1, null]
        : typeof value === 'number' ? ['5', -1, 1.5, 1e9]
          : Array.isArray(value) ? ['not-an-array', [42]]
            : ['a string', 42, [], { type: 'shell' }];
  const oversized =
    key === 'description' ? [long(10_001)]
      : key === 'secret' ? [long(1_025)]
        : key === 'repositories' ? [Array.from({ length: 5_001 }, (_, i) => `acme/r${i}`), ['not a repository'], []]
          : key === 'labels' ? [Array.from({ length: 51 }, (_, i) => `l${i}`), [long(65)]]
            : key === 'projectRoot' ? [long(1_025)]
              : key === 'runner' ? [{ type: 'pipelines', pipeline: '' }, { type: 'local', plan: [], apply: null }, { type: 'local', tool: 'opentofu', plan: ['tofu'] }, { type: 'local', tool: 'terraform', varFiles: ['../secrets.tfvars'] }]
                : key === 'value' ? [long(32_769), 'a\u0000b']
                  : key === 'name' && method.includes('/variables/set') ? ['GIT_DIR', 'PATH', 'STACKHOOK_STACK', '1ABC', 'A-B', long(129)]
                    : typeof value === 'string' ? [long(10_000), '']
                      : [];
  const accepted = ACCEPTED[`${method} ${key}`] ?? [];
  return [...wrongType, ...oversized].filter((bad) => !accepted.includes(bad));
}

describe('bad input over stdio: Invalid, and nothing changes', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  before(async () => {
    server = await startServer();
    await server.request(Protocol.IntegrationsCreate, { name: 'Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-main-secret', verify: false });
    await server.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'main', repository: 'acme/net', branch: 'main', verify: false });
  });
  after(() => server.stop());

  async function expectInvalid(method: string, params: unknown, what: string): Promise<void> {
    const before = storeSnapshot(server.store);
    const announced = server.changes.length;
    const error = await rejection(server.raw(method, params));
    assert.equal(error.kind, 'Invalid', `${method} with ${what}: ${error.message}`);
    assert.ok(error.message.length < 2_000, 'the message stays readable even for huge input');
    assertStoreUnchanged(server.store, before, `${method} with ${what}`);
    assert.equal(server.changes.length, announced, `${method} with ${what} announced a change`);
  }

  it('every request the protocol defines has a case here, and the server answers each of them', () => {
    const methods = SERVER_REQUESTS.map((definition) => definition.method);
    assert.ok(methods.length > 40, `${methods.length} requests found in the protocol`);
    assert.deepEqual(methods.filter((method) => !(method in VALID)), [], 'requests with no bad-input case: add their valid params to VALID');
    assert.deepEqual(Object.keys(VALID).filter((method) => !methods.includes(method)), [], 'cases for requests the protocol no longer defines');
    assert.deepEqual(handlers.map((handler) => handler.method).sort(), [...methods].sort(), 'the requests the server has handlers for');
  });

  it('each case starts from params the request accepts, so what is refused is the change alone', () => {
    for (const definition of SERVER_REQUESTS) {
      const parsed = definition.params.safeParse(VALID[definition.method]);
      assert.ok(parsed.success, `${definition.method}: ${parsed.error?.message}`);
    }
  });

  for (const definition of SERVER_REQUESTS) {
    const { method } = definition;
    it(`${method}: each missing, mistyped or oversized field, an unknown field, and params that are not an object are Invalid`, async () => {
      const valid = VALID[method];
      assert.ok(valid, `${method} has no bad-input case`);
      for (const [key, value] of Object.entries(valid)) {
        const { [key]: _dropped, ...rest } = valid;
        if (!definition.params.safeParse(rest).success) await expectInvalid(method, rest, `no ${key}`);
        for (const bad of badValues(method, key, value)) await expectInvalid(method, { ...valid, [key]: bad }, `${key}=${JSON.stringify(bad)?.slice(0, 40)}`);
      }
      await expectInvalid(method, { ...valid, unexpected: 'field' }, 'an unknown field');
      await expectInvalid(method, 'a string instead of an object', 'a string (sent by position)');
      await expectInvalid(method, [valid], 'params by position');
    });
  }

  it('R2: renaming an integration is Invalid and says why', async () => {
    const error = await rejection(server.raw(Protocol.IntegrationsUpdate.method, { id: 'main', name: 'Renamed' }));
    assert.equal(error.kind, 'Invalid');
    assert.match(error.message, /name: an integration cannot be renamed: its webhook URL is derived from the name/);
    assert.deepEqual(error.data.issues?.map((issue) => issue.path), ['name']);
  });

  it('integrations/test with a mistyped credential is Invalid', async () => {
    await expectInvalid(Protocol.IntegrationsTest.method, { username: 'ana@example.com', secret: 42 }, 'a numeric secret');
    await expectInvalid(Protocol.IntegrationsTest.method, { username: 'ana@example.com' }, 'no secret');
  });

  it('an empty or punctuation-only name is Invalid, and the secret never appears in the error', async () => {
    await expectInvalid(Protocol.IntegrationsCreate.method, { ...VALID[Protocol.IntegrationsCreate.method], name: '  !!  ' }, 'a name with no letters');
    const error = await rejection(server.raw(Protocol.IntegrationsCreate.method, { ...VALID[Protocol.IntegrationsCreate.method], name: '   ', secret: 'ATATT-never-print-me' }));
    assert.ok(!error.message.includes('ATATT-never-print-me'));
  });
});
