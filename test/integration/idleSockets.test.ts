// Idle and slow connections must not exhaust the receiver: with 300 silent sockets open against a
// process limited to 256 descriptors, deliveries and /healthz still work, and the headers, request,
// idle and keep-alive timeouts hold as configured.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { DEFAULT_RECEIVER_LIMITS } from '../../server/http/connectionLimits';
import type { ServerHandle } from '../support/serverProcess';
import { loadFixture } from '../unit/webhooks/fixtures';
import { deliverFixture, eventually, send } from './receiverSupport';
import { seededStore, startServe, type ServeHandle } from './serveProcess';

const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves with how long the server took to close `socket` (ms), or rejects after `limitMs`. */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server kept the socket open for ${limitMs} ms`)), limitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => undefined);
    socket.resume();
  });
}

/** Writes `parts` one every `everyMs`, stopping when the socket closes. */
function trickle(socket: Socket, parts: string[], everyMs: number): NodeJS.Timeout {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= parts.length) return clearInterval(timer);
    socket.write(parts[index++] as string);
  }, everyMs);
  return timer;
}

describe('Idle and slow connections', function () {
  this.timeout(90_000);
  let store: string;
  let editor: ServerHandle;
  let secret: string;
  let serve: ServeHandle | undefined;
  const sockets: Socket[] = [];

  before(async () => {
    ({ store, editor, secret } = await seededStore('stackhook-idle-'));
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await serve?.stop();
    serve = undefined;
  });
  after(() => editor?.stop());

  it('with 256 descriptors and 300 silent sockets open, deliveries and /healthz still work', async () => {
    serve = await startServe(store, { maxDescriptors: 256 });
    const pid = serve.process.pid;
    assert.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max open files +256 +256 /m, 'the server runs with 256 descriptors');
    let closedByServer = 0;
    for (let i = 0; i < 300; i += 1) {
      const socket = await openSocket(serve.url);
      socket.on('error', () => undefined);
      socket.once('close', () => (closedByServer += 1));
      sockets.push(socket);
    }
    // Every socket connected, and the server holds as many silent ones as it allows: it is full.
    const { maxConnections } = DEFAULT_RECEIVER_LIMITS;
    await eventually(() => closedByServer === sockets.length - maxConnections, `the server to keep ${maxConnections} silent sockets open (it closed ${closedByServer} of ${sockets.length})`);
    const health = await send(`${serve.url}/healthz`, 'GET', {});
    assert.equal(health.status, 200);
    for (let i = 0; i < 5; i += 1) {
      const answer = await deliverFixture(serve.url, 'acme-main', push, secret);
      assert.equal(answer.status, 202, JSON.stringify(answer.json));
    }
    assert.equal((await send(`${serve.url}/healthz`, 'GET', {})).status, 200);
  });

  it('a silent connection is closed after --idle-timeout', async () => {
    serve = await startServe(store, { args: ['--idle-timeout', '1000', '--headers-timeout', '5000', '--request-timeout', '10000'] });
    const socket = await openSocket(serve.url);
    sockets.push(socket);
    const took = await closedWithin(socket, 4_000);
    assert.ok(took >= 800, `closed after ${took} ms, before the idle timeout`);
  });

  const SLOW = [
    {
      what: 'headers sent a byte at a time are cut at --headers-timeout, not later',
      args: ['--idle-timeout', '10000', '--headers-timeout', '1000', '--request-timeout', '10000'],
      start: 'POST /webhooks/bitbucket-cloud/acme-main HTTP/1.1\r\nHost: x\r\n',
      drip: 'X-Slow: 1\r\n',
      atLeast: 900,
      within: 3_500,
    },
    {
      what: 'a body sent a byte at a time is cut at --request-timeout, not later',
      args: ['--idle-timeout', '10000', '--headers-timeout', '1000', '--request-timeout', '2000'],
      start: 'POST /webhooks/bitbucket-cloud/acme-main HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nX-Event-Key: repo:push\r\nX-Request-UUID: slow-body\r\n\r\n',
      drip: ' ',
      atLeast: 1_500,
      within: 5_000,
    },
  ];
  for (const slow of SLOW) {
    it(slow.what, async () => {
      serve = await startServe(store, { args: slow.args });
      const socket = await openSocket(serve.url);
      sockets.push(socket);
      socket.write(slow.start);
      const timer = trickle(socket, Array.from({ length: 500 }, () => slow.drip), 100);
      try {
        const took = await closedWithin(socket, slow.within);
        assert.ok(took >= slow.atLeast, `cut after ${took} ms`);
      } finally {
        clearInterval(timer);
      }
    });
  }

  it('a kept-alive connection is closed after --keep-alive-timeout', async () => {
    serve = await startServe(store, { args: ['--keep-alive-timeout', '500', '--idle-timeout', '10000'] });
    const socket = await openSocket(serve.url);
    sockets.push(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const took = await closedWithin(socket, 3_000);
    assert.ok(took >= 400, `closed after ${took} ms`);
  });
});
