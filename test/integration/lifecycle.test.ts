// The LSP lifecycle at the server's door, over raw stdio: nothing runs before `initialize` or after
// `shutdown` (ServerNotInitialized, -32002), params sent as an array are refused, and a framing
// error ends the process so the editor starts a fresh one instead of talking to a deaf server.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SERVER_JS, tempStore } from '../support/serverProcess';

interface Raw {
  child: ChildProcessWithoutNullStreams;
  store: string;
  send(message: object): void;
  write(bytes: string): void;
  answer(id: number): Promise<{ id: number; result?: unknown; error?: { code: number; message: string } }>;
  exited: Promise<number | null>;
}

function start(): Raw {
  const store = tempStore('stackhook-lifecycle-');
  const child = spawn(process.execPath, [SERVER_JS, '--stdio', '--store', store, '--user', 'ana', '--secrets', 'file']);
  const answers = new Map<number, (value: never) => void>();
  const seen = new Map<number, unknown>();
  let buffer = Buffer.alloc(0);
  child.stdout.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())?.[1]);
      if (buffer.length < end + 4 + length) return;
      const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString()) as { id?: number };
      buffer = buffer.subarray(end + 4 + length);
      if (typeof message.id === 'number') {
        seen.set(message.id, message);
        answers.get(message.id)?.(message as never);
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exited.then(() => clearTimeout(killer));
  const write = (bytes: string) => child.stdin.write(bytes);
  return {
    child,
    store,
    write,
    send: (message) => {
      const body = JSON.stringify({ jsonrpc: '2.0', ...message });
      write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    },
    answer: (id) =>
      new Promise((resolve, reject) => {
        if (seen.has(id)) return resolve(seen.get(id) as never);
        const timer = setTimeout(() => reject(new Error(`no answer to request ${id} within 10 s`)), 10_000);
        answers.set(id, (value) => {
          clearTimeout(timer);
          resolve(value);
        });
      }),
    exited,
  };
}

const initialize = { method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } };

describe('The LSP lifecycle at the door', function () {
  this.timeout(60_000);
  const started: Raw[] = [];
  const server = () => {
    const raw = start();
    started.push(raw);
    return raw;
  };
  afterEach(() => {
    for (const raw of started.splice(0)) raw.child.kill('SIGKILL');
  });

  it('a request before initialize is answered -32002 and writes nothing; after initialize it runs', async () => {
    const raw = server();
    raw.send({ id: 1, method: 'stackhook/status', params: {} });
    raw.send({ id: 2, method: 'stackhook/spaces/create', params: { name: 'Early', parentId: 'root', inheritEntities: true } });
    assert.equal((await raw.answer(1)).error?.code, -32002);
    const early = await raw.answer(2);
    assert.equal(early.error?.code, -32002);
    assert.match(early.error?.message ?? '', /before initialize/);
    raw.send({ id: 3, ...initialize });
    assert.ok((await raw.answer(3)).result);
    raw.send({ method: 'initialized', params: {} });
    raw.send({ id: 4, method: 'stackhook/spaces/list', params: {} });
    assert.deepEqual(((await raw.answer(4)).result as { id: string }[]).map((space) => space.id), ['root'], 'the early create did not run');
  });

  it('params sent as an array are refused, and nothing is written', async () => {
    const raw = server();
    raw.send({ id: 1, ...initialize });
    await raw.answer(1);
    const before = readFileSync(path.join(raw.store, 'registry.json'), 'utf8');
    raw.send({ id: 2, method: 'stackhook/spaces/create', params: [{ name: 'Positional', parentId: 'root', inheritEntities: true }] });
    const answer = await raw.answer(2);
    assert.equal(answer.error?.code, -32602);
    assert.match(answer.error?.message ?? '', /object/);
    assert.equal(readFileSync(path.join(raw.store, 'registry.json'), 'utf8'), before);
  });

  it('after shutdown, requests are answered -32002 and run nothing', async () => {
    const raw = server();
    raw.send({ id: 1, ...initialize });
    await raw.answer(1);
    raw.send({ id: 2, method: 'shutdown' });
    await raw.answer(2);
    raw.send({ id: 3, method: 'stackhook/spaces/create', params: { name: 'Late', parentId: 'root', inheritEntities: true } });
    assert.equal((await raw.answer(3)).error?.code, -32002);
    assert.doesNotMatch(readFileSync(path.join(raw.store, 'registry.json'), 'utf8'), /Late/);
  });

  for (const [what, bytes] of [
    ['a body that is not JSON', 'Content-Length: 5\r\n\r\n{oops'],
    ['a header without Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
    ['a Content-Length that is not a number', 'Content-Length: abc\r\n\r\n{}'],
  ] as const) {
    it(`${what} ends the process (the editor restarts it) instead of leaving it deaf`, async () => {
      const raw = server();
      raw.send({ id: 1, ...initialize });
      await raw.answer(1);
      raw.write(bytes);
      const code = await Promise.race([raw.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5_000))]);
      assert.notEqual(code, 'still running');
      assert.notEqual(code, 0);
    });
  }
});
