// The /rpc endpoint's limits, on a loopback HTTP server with a directory of two known tokens.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMessageConnection, ResponseError } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import type { ServerContext } from '../../../server/context';
import { Logger } from '../../../server/log';
import { TOKEN_ENDED_CLOSE_CODE } from '../../../server/protocol';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../../server/protocol/webSocketMessages';
import { TeamRpcEndpoint, type AnswerProtocol, type RpcLimits } from '../../../server/rpc/webSocketEndpoint';
import type { UserDirectory } from '../../../server/team/userDirectory';
import { eventually } from '../../integration/receiverSupport';
import { openSocket } from '../../support/teamServer';

const LATER = new Date(Date.now() + 86_400_000).toISOString();
/** Token ids the host revoked since the connections opened, with no notice; and whether the store cannot be read. */
const revoked = new Set<string>();
let unreadable = false;
const users = {
  authenticate: async (token: string) =>
    token === 'ana-token' ? { user: 'ana', tokenId: 't1', expiresAt: LATER } : token === 'bo-token' ? { user: 'bo', tokenId: 't2', expiresAt: LATER } : { refused: 'unknown' as const },
  checkTokens: async (ids: string[]) => {
    if (unreadable) throw new Error('the users file cannot be read');
    return new Map(ids.map((id) => [id, revoked.has(id) ? { refused: 'revoked' } : { user: id === 't1' ? 'ana' : 'bo', tokenId: id, expiresAt: LATER }]));
  },
} as unknown as UserDirectory;

describe('/rpc limits', function () {
  this.timeout(20_000);
  let http: Server;
  let endpoint: TeamRpcEndpoint;
  let url: string;
  // Every held request waits for the same gate, however many jsonrpc has dispatched so far.
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const seenUsers: string[] = [];
  const logged: string[] = [];

  const answer: AnswerProtocol = (connection, context) => {
    seenUsers.push(context.user);
    connection.onInitialize(() => ({ capabilities: {} }));
    connection.onRequest('test/hold', () => gate.then(() => 'released'));
    connection.onRequest('test/echo', (params: unknown) => params);
  };

  async function start(limits: Partial<RpcLimits>) {
    gate = new Promise<void>((resolve) => (release = resolve));
    const base = { user: 'host', now: () => new Date() } as unknown as ServerContext;
    endpoint = new TeamRpcEndpoint(base, users, answer, new Logger((level, line) => logged.push(line)), {
      maxMessageBytes: 64 * 1024,
      maxInFlight: 4,
      maxConnectionsPerUser: 2,
      pingIntervalMs: 60_000,
      maxBufferedBytes: 8 * 1024 * 1024,
      tokenRecheckMs: 60_000,
      ...limits,
    });
    http = createServer((_request, response) => response.end());
    http.on('upgrade', (request, socket, head) => endpoint.handleUpgrade(request, socket, head));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/rpc`;
  }

  afterEach(async () => {
    revoked.clear();
    unreadable = false;
    release();
    endpoint.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  const connection = async (socket: WebSocket) => {
    const c = createMessageConnection(new WebSocketMessageReader(socket), new WebSocketMessageWriter(socket));
    c.listen();
    await c.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    return c;
  };

  it('each connection acts as its token\'s user; a request beyond the in-flight limit is refused at once, others still answered', async () => {
    await start({});
    const client = await connection(await openSocket(url, 'ana-token'));
    const held = Array.from({ length: 4 }, () => client.sendRequest('test/hold'));
    await assert.rejects(client.sendRequest('test/echo', { n: 1 }), (error: ResponseError<unknown>) => /4 requests waiting/.test(error.message));
    release();
    assert.deepEqual(await Promise.all(held), ['released', 'released', 'released', 'released']);
    assert.deepEqual(await client.sendRequest('test/echo', { n: 2 }), { n: 2 }, 'answered once one is done');
    assert.deepEqual(seenUsers.slice(-1), ['ana']);
    client.dispose();
  });

  it('refuses a third connection of one user with 429, not another user\'s first, and a wrong path with 404', async () => {
    await start({});
    const sockets = [await openSocket(url, 'ana-token'), await openSocket(url, 'ana-token')];
    await assert.rejects(openSocket(url, 'ana-token'), (error: { status?: number; body?: string }) => error.status === 429 && /ana already has 2 connections/.test(error.body ?? ''));
    sockets.push(await openSocket(url, 'bo-token'));
    await assert.rejects(openSocket(url.replace('/rpc', '/other'), 'ana-token'), (error: { status?: number }) => error.status === 404);
    await assert.rejects(openSocket(url, 'nobody'), (error: { status?: number }) => error.status === 401);
    for (const socket of sockets) socket.close();
  });

  it('answers nothing but initialize before initialize, as over stdio', async () => {
    await start({});
    const socket = await openSocket(url, 'ana-token');
    const early = createMessageConnection(new WebSocketMessageReader(socket), new WebSocketMessageWriter(socket));
    early.listen();
    await assert.rejects(early.sendRequest('test/echo', { n: 1 }), (error: ResponseError<unknown>) => error.code === -32002 && /before initialize/.test(error.message));
    early.dispose();
  });

  it('closes a socket that sends a message over the size limit (1009), and keeps the others', async () => {
    await start({});
    const big = await openSocket(url, 'ana-token');
    const other = await connection(await openSocket(url, 'bo-token'));
    const closed = once(big, 'close');
    big.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'test/echo', params: { pad: 'x'.repeat(70 * 1024) } }));
    const [code] = (await closed) as [number];
    assert.equal(code, 1009);
    assert.deepEqual(await other.sendRequest('test/echo', { ok: true }), { ok: true });
    other.dispose();
  });

  it('closes a connection whose token was revoked without a notice at the next periodic check (4001, "token revoked"); another user\'s stays', async () => {
    await start({ tokenRecheckMs: 100 });
    const ana = await openSocket(url, 'ana-token');
    const bo = await connection(await openSocket(url, 'bo-token'));
    const closed = once(ana, 'close');
    revoked.add('t1');
    const [code, reason] = (await closed) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [TOKEN_ENDED_CLOSE_CODE, 'token revoked']);
    assert.ok(logged.some((line) => /ana's connection to \/rpc was closed: its token \(id t1\) was revoked/.test(line)));
    assert.deepEqual(await bo.sendRequest('test/echo', { still: 'here' }), { still: 'here' });
    bo.dispose();
  });

  it('keeps connections open while their tokens cannot be checked, says so, and closes a revoked one once they can', async () => {
    await start({ tokenRecheckMs: 60_000 });
    const ana = await connection(await openSocket(url, 'ana-token'));
    unreadable = true;
    revoked.add('t1');
    const before = logged.length;
    await endpoint.recheckTokens();
    await endpoint.recheckTokens();
    assert.equal(logged.slice(before).filter((line) => /could not be checked: the users file cannot be read/.test(line)).length, 1, 'said once, not at every check');
    assert.deepEqual(await ana.sendRequest('test/echo', { n: 1 }), { n: 1 }, 'still open');
    unreadable = false;
    const closed = new Promise<void>((resolve) => ana.onClose(() => resolve()));
    await endpoint.recheckTokens();
    await closed;
    assert.ok(logged.some((line) => /can be checked again/.test(line)));
    await eventually(() => endpoint.connectionCount === 0, 'the server to forget the closed socket');
    ana.dispose();
  });

  it('drops a client that stops answering pings, without touching one that answers', async () => {
    await start({ pingIntervalMs: 100 });
    const silent = await openSocket(url, 'ana-token', { autoPong: false });
    const lively = await connection(await openSocket(url, 'bo-token'));
    const [code] = (await once(silent, 'close')) as [number];
    assert.equal(code, 1006, 'terminated, not closed politely');
    await eventually(() => endpoint.connectionCount === 1, 'the server to forget the dropped socket');
    assert.deepEqual(await lively.sendRequest('test/echo', { still: 'here' }), { still: 'here' });
    lively.dispose();
  });
});
