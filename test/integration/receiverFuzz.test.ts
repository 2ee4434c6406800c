// Thousands of mutated Bitbucket deliveries (bodies, headers, paths) against the built server's
// receiver on loopback. Seeded, bounded in count and time. The receiver must never crash or answer
// 5xx, and nothing without a valid signature may queue a run or be recorded as taken.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import * as Protocol from '../../server/protocol';
import { signatureFor } from '../../server/webhooks/signature';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { allFixtures, repositoryOf, type WebhookFixture } from '../unit/webhooks/fixtures';
import { deliver, listenerUrl, newRequestUuid, recorded, send, webhookSecret, type Answer, type DeliveryOptions } from './receiverSupport';
import { seededRandom } from '../support/seededRandom';

const CASES = Number(process.env.FUZZ_CASES ?? 3_000);
const TIME_BUDGET_MS = 40_000;
const CONCURRENCY = 16;
const SEED = 0x5eed_4b1d;
const ALLOWED_STATUSES = new Set([200, 202, 400, 401, 404, 405, 410, 413]);


describe('webhook receiver under fuzzing (R15–R17)', function () {
  this.timeout(TIME_BUDGET_MS + 60_000);
  let server: ServerHandle;
  let url: string;
  let secret: string;
  let fixtures: WebhookFixture[];

  before(async () => {
    server = await startServer({ args: ['--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'] });
    url = await listenerUrl(server);
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-fuzz', verify: false });
    await server.request(Protocol.IntegrationsCreate, { name: 'Gone', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-gone', verify: false });
    await server.request(Protocol.IntegrationsDelete, { id: 'gone' });
    secret = await webhookSecret(server, 'acme-main');
    fixtures = allFixtures();
    const repositories = [...new Set(fixtures.map(repositoryOf))];
    for (const [index, repository] of repositories.entries()) {
      await server.request(Protocol.StacksCreate, { name: `stack-${index}`, spaceId: 'root', integrationId: 'acme-main', repository, branch: 'main', verify: false });
    }
  });
  after(() => server.stop());

  it('R15–R17: mutated bodies, headers and paths never crash it, never get a 5xx, and a forged signature never queues a run', async () => {
    const next = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const legit = new Set<string>();
    const sentUuids: string[] = [];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const started = Date.now();
    let sent = 0;

    const randomValue = (depth = 0): unknown => {
      switch (Math.floor(next() * 10)) {
        case 0: return null;
        case 1: return Math.floor(next() * 1e9) * (next() < 0.5 ? -1 : 1);
        case 2: return '';
        case 3: return 'x'.repeat(Math.floor(next() * 20_000));
        case 4: return depth < 40 ? [randomValue(depth + 1)] : [];
        case 5: return depth < 40 ? { type: pick(['branch', 'tag', 'commit']), name: randomValue(depth + 1) } : {};
        case 6: return '\u0000\u202e\n\ud83d\ude00 evil "quote" \\';
        case 7: return next() < 0.5;
        case 8: return 1e308 * 10; // Infinity serialises as null
        default: return pick(['main', 'master', 'feature/x', 'refs/heads/main', '../../etc/passwd']);
      }
    };

    const mutateJson = (value: unknown): unknown => {
      if (typeof value !== 'object' || value === null || next() < 0.15) return randomValue();
      const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
      const keys = Object.keys(copy);
      if (keys.length === 0) return randomValue();
      const key = pick(keys);
      const roll = next();
      if (roll < 0.15 && !Array.isArray(copy)) delete copy[key];
      else (copy as Record<string, unknown>)[key] = roll < 0.6 ? mutateJson((copy as Record<string, unknown>)[key]) : randomValue();
      return copy;
    };

    const mutateBody = (body: Buffer): Buffer => {
      switch (Math.floor(next() * 8)) {
        case 0:
          return body;
        case 1: {
          const copy = Buffer.from(body);
          for (let i = 0, n = 1 + Math.floor(next() * 8); i < n; i += 1) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
          return copy;
        }
        case 2:
          return body.subarray(0, Math.floor(next() * body.length));
        case 3:
          return Buffer.concat([Buffer.from(pick(['', ' ', '\ufeff', 'x', '\n'])), body, Buffer.from(pick(['', ' ', '}', ',', '\u0000']))]);
        case 4:
          return Buffer.from(JSON.stringify(randomValue()) ?? 'undefined');
        default:
          return Buffer.from(JSON.stringify(mutateJson(JSON.parse(body.toString('utf8')))) ?? 'null');
      }
    };

    const oneCase = async (): Promise<void> => {
      const fixture = pick(fixtures);
      const body = mutateBody(fixture.body);
      const integration = next() < 0.9 ? 'acme-main' : pick(['gone', 'unknown', 'ACME-MAIN', 'acme-main%2F..', '%00', 'a'.repeat(300)]);
      const signatureMode = pick(['valid', 'valid', 'forged-original', 'random', 'missing', 'wrong-secret', 'malformed'] as const);
      const requestUuid =
        next() < 0.15 && sentUuids.length > 0
          ? pick(sentUuids)
          : pick([newRequestUuid(), newRequestUuid(), newRequestUuid(), '', 'with space', 'u'.repeat(300), '{braced-uuid}']);
      const signature = {
        valid: signatureFor(secret, body),
        'forged-original': body.equals(fixture.body) ? signatureFor('forged', body) : signatureFor(secret, fixture.body),
        random: `sha256=${Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('')}`,
        missing: null,
        'wrong-secret': signatureFor(`${secret}x`, body),
        malformed: pick(['sha256=', 'sha256=zz', `sha256=${signatureFor(secret, body).slice(8, 40)}`, signatureFor(secret, body).toUpperCase(), 'md5=abc']),
      }[signatureMode];
      const options: DeliveryOptions = {
        body,
        eventKey: next() < 0.85 ? fixture.eventKey : pick([null, 'repo:push', 'pullrequest:approved', 'pullrequest:comment_created', 'issue:created', 'nonsense', 'repo:']),
        requestUuid: next() < 0.95 ? requestUuid : null,
        signature,
        attempt: Math.floor(next() * 4),
        headers: next() < 0.1 ? { 'Content-Type': pick(['text/plain', 'application/x-www-form-urlencoded', '']) } : {},
        chunked: next() < 0.1,
        path: `/webhooks/bitbucket-cloud/${integration}`,
      };
      if (signatureMode === 'valid' && integration === 'acme-main' && options.requestUuid) legit.add(options.requestUuid);
      if (options.requestUuid) sentUuids.push(options.requestUuid);
      let answer: Answer;
      try {
        answer = await deliver(url, integration, options);
      } catch (error) {
        failures.push(`transport error for ${fixture.name} to ${integration.slice(0, 40)} (${signatureMode}, chunked ${options.chunked}, ${body.length} bytes): ${(error as Error).message}`);
        return;
      }
      sent += 1;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (!ALLOWED_STATUSES.has(answer.status)) failures.push(`${answer.status} for ${fixture.name} (${signatureMode}): ${JSON.stringify(answer.json).slice(0, 300)}`);
      if (typeof answer.json.reason !== 'string' && typeof answer.json.error !== 'string') failures.push(`an answer without a reason: ${answer.status}`);
    };

    let issued = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < CASES && Date.now() - started < TIME_BUDGET_MS) {
          issued += 1;
          await oneCase();
        }
      }),
    );

    // A few requests no HTTP client would send.
    for (const raw of [
      'GARBAGE\r\n\r\n',
      'POST /webhooks/bitbucket-cloud/acme-main HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"push":',
      'POST /webhooks/bitbucket-cloud/acme-main HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST /webhooks/bitbucket-cloud/acme-main HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}',
    ]) {
      const status = await rawRequest(url, raw);
      if (status !== null && status >= 500) failures.push(`raw request answered ${status}`);
    }

    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
    assert.ok(sent >= 1_000, `only ${sent} deliveries were sent in the time budget`);
    for (const status of [200, 202, 400, 401, 404, 410]) assert.ok((statuses.get(status) ?? 0) > 0, `no ${status} among ${JSON.stringify([...statuses])}`);
    assert.equal(server.process.exitCode, null, 'the server is still running');
    assert.equal((await send(`${url}/healthz`, 'GET', {})).status, 200);

    const { runs, deliveries } = await recorded(server);
    const forgedRuns = runs.filter((run) => run.deliveryId === null || !legit.has(run.deliveryId));
    assert.deepEqual(forgedRuns, [], 'R17: no run from a delivery without a valid signature');
    const taken = deliveries.filter((d) => ['queued', 'ignored', 'invalid'].includes(d.verdict));
    assert.deepEqual(taken.filter((d) => !legit.has(d.id)), [], 'R17: nothing unsigned is recorded as taken');
    assert.ok(taken.length > 0, 'some signed deliveries were taken');
    const ids = taken.map((d) => `${d.integrationId} ${d.id}`);
    assert.equal(new Set(ids).size, ids.length, 'R16: each delivery is taken once');
    assert.ok(deliveries.every((d) => d.status < 500));

    // And it still does its job.
    const fresh = await deliver(url, 'acme-main', {
      body: fixtures.find((f) => f.name.endsWith('BitbucketCloudPushEventTest-updatePayload.json'))?.body ?? '',
      eventKey: 'repo:push',
      secret,
    });
    assert.equal(fresh.status, 202);
  });
});

/** Writes raw bytes to the receiver and returns the status of the first answer, or null if it closed without one. */
function rawRequest(url: string, raw: string): Promise<number | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(raw);
      // A body shorter than its Content-Length: hang up half-way, as a broken client would.
      setTimeout(() => socket.end(), 100);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve(status ? Number(status) : null);
    });
    socket.setTimeout(5_000, () => socket.destroy());
  });
}
