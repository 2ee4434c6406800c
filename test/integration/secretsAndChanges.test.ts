// Credentials kept by the editor (`--secrets client`), and changes announced across processes.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { startServer, tempStore } from '../support/serverProcess';

describe('server over stdio: client-kept secrets and cross-process changes', function () {
  this.timeout(30_000);

  it('R9: with --secrets client the credential goes to the editor\'s SecretStorage, nowhere on disk', async () => {
    const server = await startServer({ args: ['--secrets', 'client'] });
    const secretStorage = new Map<string, string>();
    server.connection.onRequest(Protocol.SecretsStore.method, (params: { key: string; value: string | null }) => {
      if (params.value === null) secretStorage.delete(params.key);
      else secretStorage.set(params.key, params.value);
      return {};
    });
    server.connection.onRequest(Protocol.SecretsGet.method, (params: { key: string }) => ({ value: secretStorage.get(params.key) ?? null }));
    try {
      await server.request(Protocol.IntegrationsCreate, { name: 'Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-kept-by-the-editor', verify: false });
      assert.deepEqual([...secretStorage.entries()], [['stackhook.integration.main.credential', 'ATATT-kept-by-the-editor']]);
      assert.equal(existsSync(path.join(server.store, 'credentials.json')), false);
      assert.ok(!readFileSync(path.join(server.store, 'registry.json'), 'utf8').includes('ATATT-kept-by-the-editor'));
      assert.ok(!server.stderr().includes('ATATT-kept-by-the-editor'));
      await server.request(Protocol.IntegrationsDelete, { id: 'main' });
      assert.equal(secretStorage.size, 0, 'deleting the integration deletes its credential');
    } finally {
      await server.stop();
    }
  });

  it('a change made by another process on the same store reaches this editor as stackhook/changed', async () => {
    const store = tempStore();
    const first = await startServer({ store });
    const second = await startServer({ store });
    try {
      await second.request(Protocol.IntegrationsCreate, { name: 'Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-another-window', verify: false });
      const deadline = Date.now() + 5_000;
      while (!first.changes.some((topics) => topics.includes('integrations')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.ok(first.changes.some((topics) => topics.includes('integrations')), JSON.stringify(first.changes));
      assert.deepEqual((await first.request(Protocol.IntegrationsList)).map((i) => i.id), ['main']);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
