// One signed push of 10,000 branch changes to a repository with 6 stacks: the work one delivery
// causes is bounded (one run per stack), its log line stays small, and the store opens again.
import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { startServer, tempStore } from '../support/serverProcess';
import { deliver, recorded, webhookSecret } from './receiverSupport';
import { startServe } from './serveProcess';

function hugePush(changes: number): string {
  const list = Array.from({ length: changes }, (_, i) => ({
    new: { type: 'branch', name: i === changes - 1 ? 'main' : `b${i}`, target: { hash: i.toString(16).padStart(7, '0') } },
    old: null,
    created: true,
  }));
  return JSON.stringify({ repository: { full_name: 'acme/network' }, push: { changes: list } });
}

describe('A huge signed push', function () {
  this.timeout(120_000);

  it('queues one run per stack, writes a small line, and the store opens again afterwards', async () => {
    const store = tempStore('stackhook-huge-');
    let editor = await startServer({ store, args: ['--public-url', 'https://hooks.example.com'] });
    const serve = await startServe(store);
    try {
      await editor.request(Protocol.IntegrationsCreate, { name: 'Acme', type: 'default', username: 'ana@example.com', secret: 'ATATT-huge-push', verify: false });
      for (let i = 0; i < 6; i += 1) {
        await editor.request(Protocol.StacksCreate, { name: `network-${i}`, spaceId: 'root', integrationId: 'acme', repository: 'acme/network', branch: i === 0 ? 'main' : `env-${i}`, verify: false });
      }
      const secret = await webhookSecret(editor, 'acme');
      const body = hugePush(10_000);
      assert.ok(body.length > 400_000 && body.length < 1_000_000, `${body.length} bytes`);
      for (let i = 0; i < 3; i += 1) {
        const answer = await deliver(serve.url, 'acme', { body, secret });
        assert.equal(answer.status, 202, JSON.stringify(answer.json).slice(0, 300));
        assert.equal(answer.json.runIds?.length, 6);
        assert.ok((answer.json.reason ?? '').length < 3_000);
      }
      const size = statSync(path.join(store, 'deliveries.jsonl')).size;
      assert.ok(size < 3 * 16_384, `the deliveries log is ${size} bytes for three deliveries`);
      const runs = (await recorded(editor)).runs;
      assert.equal(runs.length, 18);
      assert.deepEqual(runs.filter((run) => run.stackId === 'network-0').map((run) => run.kind), ['tracked', 'tracked', 'tracked']);
      await editor.stop();
      editor = await startServer({ store, args: ['--public-url', 'https://hooks.example.com'] });
      assert.equal((await recorded(editor)).runs.length, 18);
    } finally {
      await serve.stop();
      await editor.stop();
    }
  });
});
