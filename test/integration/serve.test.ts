// `dist/server.js serve`: the receiver and the store alone, as on a host Bitbucket can reach, next to
// an editor's server process on the same store.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Protocol from '../../server/protocol';
import { SERVER_JS, startServer, tempStore, type ServerHandle } from '../support/serverProcess';
import { loadFixture, type WebhookFixture } from '../unit/webhooks/fixtures';
import { deliverFixture, deliveryRequest, eventually, newRequestUuid, recorded, send, webhookSecret, type Answer } from './receiverSupport';
import { startServe } from './serveProcess';

/**
 * A delivery sent with `Expect: 100-continue`: `headersRead` once the server has read its headers (it
 * answers 100 Continue as it takes the request), and its body goes only when `sendBody` is called.
 * `answer` is null if the connection ends without one.
 */
function heldDelivery(baseUrl: string, integrationId: string, fixture: WebhookFixture, secret: string, requestUuid: string) {
  const { url, headers, body } = deliveryRequest(baseUrl, integrationId, { body: fixture.body, eventKey: fixture.eventKey, secret, requestUuid });
  const request = httpRequest(url, { method: 'POST', headers: { ...headers, Expect: '100-continue' }, agent: false });
  const headersRead = once(request, 'continue').then(() => undefined);
  const answer = new Promise<Answer | null>((resolve) => {
    request.on('error', () => resolve(null));
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text || '{}') as Answer['json'] }));
      response.on('error', () => resolve(null));
    });
  });
  request.flushHeaders();
  return { headersRead, answer, sendBody: () => request.end(body) };
}

describe('serve: the headless receiver', function () {
  this.timeout(30_000);
  const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
  let store: string;
  let editor: ServerHandle;
  let secret: string;

  before(async () => {
    store = tempStore('stackhook-serve-');
    editor = await startServer({ store, args: ['--public-url', 'https://hooks.example.com'] });
    await editor.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-serve-test', verify: false });
    await editor.request(Protocol.StacksCreate, { name: 'temp-main', spaceId: 'root', integrationId: 'acme-main', repository: 'cloudbeers/temp', branch: 'main', verify: false });
    secret = await webhookSecret(editor, 'acme-main');
  });
  after(() => editor.stop());

  it('R15: records deliveries and queues runs that the editor on the same store sees, logs one line each, and exits 0 on SIGTERM', async () => {
    const serve = await startServe(store);
    try {
      const health = await send(`${serve.url}/healthz`, 'GET', {});
      assert.equal(health.status, 200);
      assert.equal(health.json.ok, true);
      // Its start-up log says the address editors connect to, /rpc included.
      assert.match(serve.stderr(), new RegExp(`Editors connect to ${serve.url.replace(/^http/, 'ws')}/rpc`));

      const changesBefore = editor.changes.length;
      const requestUuid = newRequestUuid();
      const answer = await deliverFixture(serve.url, 'acme-main', push, secret, { requestUuid });
      assert.equal(answer.status, 202, JSON.stringify(answer.json));
      // The editor process learns of another process's appends by watching the logs.
      await eventually(() => editor.changes.slice(changesBefore).some((topics) => topics.includes('runs')), 'the editor to hear of the run');
      await eventually(() => editor.changes.slice(changesBefore).some((topics) => topics.includes('deliveries')), 'the editor to hear of the delivery');
      const seen = await recorded(editor);
      assert.deepEqual(
        seen.runs.filter((run) => run.deliveryId === requestUuid).map((run) => [run.stackId, run.kind, run.trigger]),
        [['temp-main', 'tracked', 'push']],
      );
      assert.equal(seen.deliveries.find((d) => d.id === requestUuid)?.verdict, 'queued');

      // R16 across processes: the retry goes to serve, which recorded the first attempt.
      const retry = await deliverFixture(serve.url, 'acme-main', push, secret, { requestUuid, attempt: 2 });
      assert.equal(retry.status, 200);
      assert.equal(retry.json.duplicate, true);

      // Deliveries in flight when SIGTERM arrives are either answered 2xx and recorded, or not answered at all.
      // One surely is: the server has read its headers, and its body follows only once SIGTERM was heard.
      const heldId = newRequestUuid();
      const held = heldDelivery(serve.url, 'acme-main', push, secret, heldId);
      await held.headersRead;
      const inFlight = Array.from({ length: 20 }, () => {
        const id = newRequestUuid();
        return deliverFixture(serve.url, 'acme-main', push, secret, { requestUuid: id }).then(
          (result): [string, Answer | null] => [id, result],
          (): [string, Answer | null] => [id, null],
        );
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      serve.process.kill('SIGTERM');
      await eventually(() => serve.stderr().includes('SIGTERM: no new deliveries are accepted'), 'serve to hear SIGTERM');
      held.sendBody();
      const heldAnswer = await held.answer;
      assert.equal(heldAnswer?.status, 202, 'the delivery whose body was still arriving at SIGTERM is answered, not dropped');
      const results: [string, Answer | null][] = [[heldId, heldAnswer], ...(await Promise.all(inFlight))];
      assert.equal(await serve.exited, 0, serve.stderr());

      const after = await recorded(editor);
      for (const [id, result] of results) {
        if (result === null) continue; // Bitbucket retries a delivery it got no answer for.
        assert.ok(result.status === 202, `${id}: ${result.status}`);
        assert.ok(after.deliveries.some((d) => d.id === id), `${id} was answered 202 but not recorded`);
      }

      const lines = serve.stderr().split('\n').filter((line) => line.includes(' delivery '));
      const answered = 2 + results.filter(([, result]) => result !== null).length;
      assert.equal(lines.length, answered, 'one line per delivery');
      assert.ok(lines.some((line) => line.includes(`delivery ${requestUuid} to acme-main repo:push cloudbeers/temp → 202 queued: tracked run on temp-main`)));
      assert.ok(!serve.stderr().includes(secret), 'never a secret');
      assert.ok(!serve.stderr().includes('"push"') && !serve.stderr().includes('display_name'), 'never a body');
      assert.match(serve.stderr(), /SIGTERM: no new deliveries are accepted[\s\S]*Stopped\.\n$/);
    } finally {
      serve.process.kill('SIGKILL');
    }
  });

  it('a taken IPv6 port is named the way --listen writes it, in brackets', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '::1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const second = spawn(process.execPath, [SERVER_JS, 'serve', '--listen', `[::1]:${port}`, '--public-url', 'https://hooks.example.com', '--store', store], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await once(second, 'exit');
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`\\[::1\\]:${port} is taken`));
    } finally {
      taken.close();
    }
  });

  it('a second receiver on a taken port says so and exits 1; an editor there says the receiver runs elsewhere', async () => {
    const serve = await startServe(store);
    try {
      const port = new URL(serve.url).port;
      const second = spawn(process.execPath, [SERVER_JS, 'serve', '--listen', `127.0.0.1:${port}`, '--public-url', 'https://hooks.example.com', '--store', store, '--bitbucket-api', 'http://127.0.0.1:9/2.0'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await once(second, 'exit');
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${port} is taken`));

      const window = await startServer({ store, args: ['--public-url', 'https://hooks.example.com', '--listen', `127.0.0.1:${port}`] });
      try {
        const status = await window.request(Protocol.Status);
        assert.equal(status.listener.state, 'elsewhere');
        assert.equal(status.listener.url, `http://127.0.0.1:${port}`);
      } finally {
        await window.stop();
      }
      serve.process.kill('SIGINT');
      assert.equal(await serve.exited, 0);
    } finally {
      serve.process.kill('SIGKILL');
    }
  });
});
