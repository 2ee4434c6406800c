// The run callbacks' route on a front door of its own (R21), with a run book that holds one run
// waiting for its plan: uploads stream to disk within their caps and leave nothing when refused,
// gzip is read, the token is compared as a hash, and every refused token gets the same bytes.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { HttpListener } from '../../../server/http/listener';
import { Logger } from '../../../server/log';
import { uploadPath } from '../../../server/runs/pipelinePlans';
import { runCallbackRoute } from '../../../server/runs/runCallbacks';
import type { RunBook } from '../../../server/runs/runBook';
import type { RunRecord } from '../../../server/runs/runEvent';
import { hashRunToken, newRunToken, runTokenMatches } from '../../../server/runs/runTokens';
import type { Registry } from '../../../server/store/storeEngine';

const CAP = 64 * 1024;

function call(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; text: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), body: Buffer.concat(chunks) }));
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    if (body) req.write(body);
    req.end();
  });
}

describe('run callbacks (R21)', () => {
  let folder: string;
  let listener: HttpListener;
  let state: string;
  let phase: 'plan' | 'apply';
  const token = newRunToken();

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'stackhook-callbacks-'));
    const record = () => ({ run: { id: 'run-1', stackId: 'infra', state }, callback: { tokenHash: token.hash, phase, repositoryUuid: null }, pipelineUuid: '{p}' }) as unknown as RunRecord;
    const book = { refresh: async () => undefined, record: (id: string) => (id === 'run-1' ? record() : null) } as unknown as RunBook;
    const store = { read: async () => ({ stacks: [] }) } as unknown as Registry;
    const route = runCallbackRoute({ folder, book, store, verifyStepToken: async () => false, caps: { plan: CAP, planfile: CAP }, planKey: null, log: new Logger(() => undefined) });
    listener = await HttpListener.listen({ host: '127.0.0.1', port: 0 }, { routes: [route], notFound: 'none', onError: () => undefined });
  });
  beforeEach(() => {
    state = 'running';
    phase = 'plan';
  });
  after(async () => {
    await listener.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const url = (what: string, runId = 'run-1') => `${listener.url}/runs/${runId}/${what}`;
  const auth = { Authorization: `Bearer ${token.token}` };

  it('keeps the token only as its hash, and compares it in full', () => {
    assert.equal(token.hash, hashRunToken(token.token));
    assert.ok(!token.hash.includes(token.token));
    assert.equal(runTokenMatches(token.hash, token.token), true);
    assert.equal(runTokenMatches(token.hash, `${token.token}x`), false);
    assert.equal(runTokenMatches(token.hash, token.token.slice(0, -1)), false);
  });

  it('streams a plan and a plan file to disk, 0600; a gzip\'d plan is kept decompressed', async () => {
    const plan = Buffer.from(JSON.stringify({ format_version: '1.0', note: 'x'.repeat(10_000) }));
    assert.equal((await call(url('plan'), 'PUT', { ...auth, 'Content-Encoding': 'gzip' }, gzipSync(plan))).status, 200);
    assert.deepEqual(readFileSync(uploadPath(folder, 'run-1', 'plan')), plan);
    assert.equal(statSync(uploadPath(folder, 'run-1', 'plan')).mode & 0o777, 0o600);
    const file = Buffer.from([0x50, 0x4b, 3, 4, 0, 1, 2, 3]);
    assert.equal((await call(url('planfile'), 'PUT', auth, file)).status, 200);
    phase = 'apply';
    state = 'applying';
    const fetched = await call(url('planfile'), 'GET', auth);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, file);
  });

  it('refuses an upload over its cap with 413, declared or not, and keeps nothing of it', async () => {
    const before = readdirSync(path.join(folder, 'pipeline-plans')).length;
    assert.equal((await call(url('planfile'), 'PUT', auth, Buffer.alloc(CAP + 1))).status, 413);
    // Decompressed past the cap: found out while streaming.
    assert.equal((await call(url('plan'), 'PUT', { ...auth, 'Content-Encoding': 'gzip' }, gzipSync(Buffer.alloc(CAP * 4)))).status, 413);
    assert.equal(readdirSync(path.join(folder, 'pipeline-plans')).length, before, 'no part file left');
    assert.equal((await call(url('plan'), 'PUT', { ...auth, 'Content-Encoding': 'gzip' }, Buffer.from('not gzip'))).status, 400);
    assert.equal((await call(url('planfile'), 'PUT', { ...auth, 'Content-Encoding': 'gzip' }, gzipSync(Buffer.from('x')))).status, 415);
  });

  it('answers the same 401 to every bad token and to an ended run; 409 to the wrong phase; 405 to other methods', async () => {
    const answers = [
      await call(url('plan'), 'PUT', {}, Buffer.from('{}')),
      await call(url('plan'), 'PUT', { Authorization: 'Bearer shr_not-it' }, Buffer.from('{}')),
      await call(url('plan'), 'PUT', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, Buffer.from('{}')),
      await call(url('plan', 'run-2'), 'PUT', auth, Buffer.from('{}')),
      await call(url('plan'), 'PUT', { Authorization: 'Bearer aaa.bbb.ccc' }, Buffer.from('{}')),
    ];
    state = 'finished';
    answers.push(await call(url('plan'), 'PUT', auth, Buffer.from('{}')));
    for (const answer of answers) assert.deepEqual([answer.status, answer.text], [401, '{"error":"Unauthorized."}\n']);
    state = 'unconfirmed';
    assert.equal((await call(url('plan'), 'PUT', auth, Buffer.from('{}'))).status, 409);
    assert.equal((await call(url('planfile'), 'GET', auth)).status, 409);
    assert.equal((await call(url('plan'), 'GET', auth)).status, 405);
    assert.equal(existsSync(uploadPath(folder, 'run-2', 'plan')), false);
  });
});
