// Stackhook's own count of Bitbucket's rolling rate limit: bulk work paces itself under the limit
// instead of running into 429s, and says how long the rest will take.
import { strict as assert } from 'node:assert';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { DEFAULT_HTTP_SETTINGS } from '../../../server/bitbucket/transport';
import { RateBudget, formatDuration } from '../../../server/bitbucket/rateBudget';
import { Logger } from '../../../server/log';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';

describe('rate budget: pacing under Bitbucket\'s rolling limit', () => {
  let bitbucket: FakeBitbucket;
  const credential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-budget-token', credentialType: 'api_token' as const };
  const target = { url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', secret: 'whsec-budget-00001' };
  before(async () => {
    bitbucket = await startFakeBitbucket({ record: true });
    bitbucket.world.addUser({ email: credential.username, token: credential.secret, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepositories('acme', 12);
  });
  after(() => bitbucket.stop());

  it('configures more repositories than one window allows without a single 429, and progress gives an estimate', async () => {
    bitbucket.setRateLimit({ limit: 10, windowMs: 400, retryAfter: false });
    const gateway = createBitbucketGateway(bitbucket.url, new Logger(() => undefined), {
      http: { ...DEFAULT_HTTP_SETTINGS, retries: 0 },
      concurrency: 3,
      rateLimit: { limit: 10, windowMs: 400 },
    });
    const repositories = Array.from({ length: 12 }, (_, i) => `acme/repo-${String(i + 1).padStart(3, '0')}`);
    const messages: string[] = [];
    const result = await gateway.configureWebhooks(credential, repositories, target, { progress: (_done, _total, message) => messages.push(message) });
    assert.deepEqual(new Set(result.map((entry) => entry.action)), new Set(['created']));
    assert.equal(bitbucket.exchanges.filter((exchange) => exchange.status === 429).length, 0, 'no call beyond the budget');
    assert.equal(bitbucket.totalCalls(), 24);
    assert.ok(messages.some((message) => /paces the rest: (at least|about) \d+ s left/.test(message)), messages.join(' | '));
    bitbucket.setRateLimit(null);
  });

  it('a waiting call gives up when cancelled', async () => {
    const budget = new RateBudget({ limit: 1, windowMs: 60_000 });
    const release = await budget.take();
    release();
    const controller = new AbortController();
    const waiting = budget.take(controller.signal);
    controller.abort();
    await assert.rejects(waiting, /cancelled/);
  });

  it('estimates: lanes bound the time while the budget covers the calls, the window once it does not', () => {
    let now = 0;
    const budget = new RateBudget({ limit: 4, windowMs: 1_000 }, () => now);
    assert.equal(budget.etaMs(4, 2), 0, 'no call timed yet');
    return (async () => {
      for (let i = 0; i < 4; i++) {
        const release = await budget.take();
        now += 10;
        release();
      }
      assert.equal(budget.free(), 0);
      assert.ok(budget.etaMs(1, 2) >= 960, `${budget.etaMs(1, 2)}`);
      now += 2_000;
      assert.equal(budget.free(), 4);
      assert.equal(budget.etaMs(4, 2), 20);
      assert.equal(formatDuration(90_000), '2 min');
      assert.equal(formatDuration(5_400_000), '1 h 30 min');
    })();
  });
});
