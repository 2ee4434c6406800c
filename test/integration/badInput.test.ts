// Bad input gets `Invalid` and changes nothing: every request, with each field missing, of the
// wrong type, oversized, or with an unknown field, through the built server over stdio.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';

const long = (n: number) => 'x'.repeat(n);

/** A valid params object for each request that takes params. */
const VALID: Record<string, Record<string, unknown>> = {
  [Protocol.SpacesCreate.method]: { name: 'Payments', parentId: 'root', inheritEntities: true },
  [Protocol.AccessGrant.method]: { user: 'bo', spaceId: 'root', role: 'read' },
  [Protocol.IntegrationsGet.method]: { id: 'main' },
  [Protocol.IntegrationsCreate.method]: { name: 'Second', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-bad-input-secret', labels: ['a'], description: 'd', verify: false },
  [Protocol.IntegrationsUpdate.method]: { id: 'main', labels: ['b'], description: 'e' },
  [Protocol.IntegrationsDelete.method]: { id: 'main' },
  [Protocol.IntegrationsTest.method]: { id: 'main' },
  [Protocol.IntegrationsWebhookSecret.method]: { id: 'main', regenerate: true },
  [Protocol.RepositoriesList.method]: { integrationId: 'main', workspace: 'acme' },
  [Protocol.WebhooksStatus.method]: { integrationId: 'main', repositories: ['acme/net'] },
  [Protocol.WebhooksConfigure.method]: { integrationId: 'main', repositories: ['acme/net'] },
  [Protocol.WebhooksRemove.method]: { integrationId: 'main', repositories: ['acme/net'] },
  [Protocol.StacksCreate.method]: { name: 'dns', spaceId: 'root', integrationId: 'main', repository: 'acme/dns', branch: 'main', projectRoot: '', verify: false },
  [Protocol.StacksSetIntegration.method]: { stackId: 'net', integrationId: 'main' },
  [Protocol.StacksReattachAll.method]: { integrationId: 'main' },
  [Protocol.StacksDelete.method]: { stackId: 'net' },
  [Protocol.StacksTriggerRun.method]: { stackId: 'net' },
  [Protocol.RunsList.method]: { stackId: 'net', limit: 5 },
  [Protocol.DeliveriesList.method]: { limit: 5 },
};
const NO_PARAMS = [Protocol.Status.method, Protocol.SpacesList.method, Protocol.IntegrationsList.method, Protocol.StacksList.method];
const OPTIONAL = new Set(['labels', 'description', 'verify', 'projectRoot', 'regenerate', 'workspace', 'stackId', 'limit', 'spaceId']);

/** Values of the wrong type, and values too large, for a field holding `value`. */
function badValues(key: string, value: unknown): unknown[] {
  const wrongType = typeof value === 'string' ? [42, true, { nested: 'object' }, null] : typeof value === 'boolean' ? ['yes', 1] : typeof value === 'number' ? ['5', -1, 1.5, 1e9] : ['not-an-array', [42]];
  const oversized =
    key === 'description' ? [long(10_001)]
      : key === 'secret' ? [long(1_025)]
        : key === 'repositories' ? [Array.from({ length: 5_001 }, (_, i) => `acme/r${i}`), ['not a repository']]
          : key === 'labels' ? [Array.from({ length: 51 }, (_, i) => `l${i}`), [long(65)]]
            : key === 'projectRoot' ? [long(1_025)]
            : typeof value === 'string' ? [long(10_000), '']
              : [];
  return [...wrongType, ...oversized];
}

describe('bad input over stdio: Invalid, and nothing changes', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let registry: () => string;
  before(async () => {
    server = await startServer();
    registry = () => readFileSync(path.join(server.store, 'registry.json'), 'utf8');
    await server.request(Protocol.IntegrationsCreate, { name: 'Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-main-secret', verify: false });
    await server.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'main', repository: 'acme/net', branch: 'main', verify: false });
  });
  after(() => server.stop());

  async function expectInvalid(method: string, params: unknown, what: string): Promise<void> {
    const before = registry();
    const error = await rejection(server.raw(method, params));
    assert.equal(error.kind, 'Invalid', `${method} with ${what}: ${error.message}`);
    assert.ok(error.message.length < 2_000, 'the message stays readable even for huge input');
    assert.equal(registry(), before, `${method} with ${what} changed the registry`);
  }

  for (const [method, valid] of Object.entries(VALID)) {
    it(`${method}: each missing, mistyped, oversized or unknown field is Invalid`, async () => {
      for (const [key, value] of Object.entries(valid)) {
        if (!OPTIONAL.has(key)) {
          const { [key]: _dropped, ...rest } = valid;
          await expectInvalid(method, rest, `no ${key}`);
        }
        for (const bad of badValues(key, value)) {
          if (method === Protocol.IntegrationsTest.method && key === 'id') continue; // covered below: the other variant
          await expectInvalid(method, { ...valid, [key]: bad }, `${key}=${JSON.stringify(bad)?.slice(0, 40)}`);
        }
      }
      await expectInvalid(method, { ...valid, unexpected: 'field' }, 'an unknown field');
      await expectInvalid(method, 'a string instead of an object', 'a string');
    });
  }

  for (const method of NO_PARAMS) {
    it(`${method}: an unknown field is Invalid`, async () => {
      await expectInvalid(method, { unexpected: true }, 'an unknown field');
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
