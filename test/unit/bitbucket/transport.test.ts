// The HTTP layer against the fake Bitbucket on loopback: retries of 429/503 (bounded, backoff,
// Retry-After), timeouts, resets, cancellation, and what reaches the log.
import { strict as assert } from 'node:assert';
import { Endpoints } from '../../../server/bitbucket/endpoints';
import { BitbucketFailure } from '../../../server/bitbucket/errors';
import { backoffMs, BitbucketHttp, retryAfterMs, type HttpSettings } from '../../../server/bitbucket/transport';
import { collectPages } from '../../../server/bitbucket/pagination';
import { BitbucketUser, RepositoryPage } from '../../../server/bitbucket/schemas';
import { Logger } from '../../../server/log';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';

const SECRET = 'ATATT3xFfGF0-http-test-secret';
const credential = { username: 'ana@example.com', secret: SECRET, credentialType: 'api_token' as const };
const fast: HttpSettings = { timeoutMs: 500, retries: 3, backoffBaseMs: 10, backoffCapMs: 50, maxRetryAfterMs: 5_000 };
const user = { endpoint: Endpoints.currentUser, target: '/user', schema: BitbucketUser, what: 'read who the credential belongs to' };

async function failure(promise: Promise<unknown>): Promise<BitbucketFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BitbucketFailure) return error;
    throw error;
  }
  throw new Error('expected a BitbucketFailure');
}

describe('Bitbucket HTTP: retries, timeouts and cancellation', () => {
  let bitbucket: FakeBitbucket;
  let lines: string[];
  let http: BitbucketHttp;
  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: SECRET, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepositories('acme', 250);
  });
  after(() => bitbucket.stop());
  beforeEach(() => {
    bitbucket.clearFaults();
    bitbucket.resetCounts();
    lines = [];
    http = new BitbucketHttp(bitbucket.url, credential, fast, new Logger((level, line) => lines.push(`${level} ${line}`)));
  });

  it('retries a 429 without Retry-After, then succeeds', async () => {
    bitbucket.failNext('429', { template: '/user' }, 2);
    const answer = await http.json(user);
    assert.equal(answer.data.display_name, 'ana@example.com');
    assert.equal(bitbucket.count('GET', '/user'), 3);
  });

  it('honours Retry-After on a 429', async () => {
    bitbucket.setFaults({ retryAfterSeconds: 1 });
    bitbucket.failNext('429-retry-after', { template: '/user' });
    const started = Date.now();
    await http.json(user);
    assert.ok(Date.now() - started >= 950, 'waited about the second Bitbucket asked for');
  });

  it('does not wait for a Retry-After beyond the bound: reports rate-limited with the wait', async () => {
    bitbucket.setFaults({ retryAfterSeconds: 3600 });
    bitbucket.failNext('429-retry-after', { template: '/user' });
    const refused = await failure(http.json(user));
    assert.equal(refused.problem, 'rate-limited');
    assert.match(refused.message, /asked to wait 3600 s/);
    assert.equal(bitbucket.count('GET', '/user'), 1);
  });

  it('retries 503 a bounded number of times, then says Bitbucket has a problem', async () => {
    bitbucket.failNext('503', { template: '/user' }, 10);
    const refused = await failure(http.json(user));
    assert.equal(refused.problem, 'server-error');
    assert.match(refused.message, /after 4 attempts/);
    assert.equal(bitbucket.count('GET', '/user'), 4);
  });

  it('does not retry a 500: the answer is final', async () => {
    bitbucket.failNext('500', { template: '/user' });
    assert.equal((await failure(http.json(user))).problem, 'server-error');
    assert.equal(bitbucket.count('GET', '/user'), 1);
  });

  it('a request that hangs ends as a timeout', async () => {
    bitbucket.failNext('hang', { template: '/user' });
    const refused = await failure(http.json(user));
    assert.equal(refused.problem, 'timeout');
  });

  it('a read whose connection is reset is sent again; a write is not (it may have happened)', async () => {
    bitbucket.failNext('reset', { template: '/user' });
    await http.json(user);
    assert.equal(bitbucket.count('GET', '/user'), 2);
    bitbucket.failNext('reset', { method: 'POST' });
    const refused = await failure(
      http.json({ endpoint: Endpoints.createRepositoryHook, target: '/repositories/acme/repo-001/hooks', body: { url: 'https://h.example.com/x', events: ['repo:push'] }, schema: BitbucketUser, what: 'add a webhook' }),
    );
    assert.equal(refused.problem, 'network');
    assert.equal(bitbucket.count('POST', '/repositories/{workspace}/{repo_slug}/hooks'), 1);
  });

  it('stops when the signal is aborted, without waiting out a backoff', async () => {
    bitbucket.setFaults({ retryAfterSeconds: 4 });
    bitbucket.failNext('429-retry-after', { template: '/user' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(http.json(user, controller.signal), (error: Error) => error.name === 'AbortError');
    assert.ok(Date.now() - started < 2_000);
  });

  it('follows next across 3 pages for 250 repositories, with pagelen 100', async () => {
    const values = await collectPages(http, { endpoint: Endpoints.workspaceRepositories, target: '/repositories/acme', schema: RepositoryPage, what: 'list' });
    assert.equal(values.length, 250);
    assert.equal(new Set(values.map((r) => r.full_name)).size, 250);
    assert.equal(bitbucket.count('GET', '/repositories/{workspace}'), 3);
  });

  it('an HTML 404 is reported without its body, and no log line holds the secret or the HTML', async () => {
    const refused = await failure(http.json({ ...user, target: '/no/such/endpoint' }));
    assert.equal(refused.problem, 'not-found');
    assert.doesNotMatch(refused.message, /<|html/i);
    const all = lines.join('\n');
    assert.doesNotMatch(all, /html|DOCTYPE/i);
    assert.doesNotMatch(all, new RegExp(SECRET));
  });

  it('backoff grows exponentially with jitter and is capped; Retry-After takes seconds or a date', () => {
    const settings = { ...fast, backoffBaseMs: 100, backoffCapMs: 1_000 };
    assert.equal(backoffMs(0, settings, () => 0), 50);
    assert.equal(backoffMs(0, settings, () => 1), 100);
    assert.equal(backoffMs(2, settings, () => 1), 400);
    assert.equal(backoffMs(10, settings, () => 1), 1_000);
    assert.equal(retryAfterMs('7'), 7_000);
    assert.equal(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1)), 30_000);
    assert.equal(retryAfterMs('soon'), null);
  });
});
