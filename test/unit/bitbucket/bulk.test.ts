// Bulk webhook work against the fake's rolling rate limit: once Bitbucket refuses with 429 beyond
// what retries can bridge, nothing more is sent and every repository says what happened to it.
import { strict as assert } from 'node:assert';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { DEFAULT_HTTP_SETTINGS } from '../../../server/bitbucket/transport';
import { Logger } from '../../../server/log';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';

describe('bulk webhook work under Bitbucket\'s rate limit', () => {
  let bitbucket: FakeBitbucket;
  const credential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-bulk-token', credentialType: 'api_token' as const };
  const target = { url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', secret: 'whsec-bulk-000001' };
  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: credential.username, token: credential.secret, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepositories('acme', 30);
  });
  after(() => bitbucket.stop());

  it('stops sending once the hourly budget is spent, and reports done / not done per repository', async () => {
    bitbucket.setRateLimit({ limit: 10, windowMs: 3_600_000, retryAfter: true });
    const gateway = createBitbucketGateway(bitbucket.url, new Logger(() => undefined), {
      http: { ...DEFAULT_HTTP_SETTINGS, maxRetryAfterMs: 1_000, backoffBaseMs: 5 },
      concurrency: 2,
    });
    const repositories = Array.from({ length: 30 }, (_, i) => `acme/repo-${String(i + 1).padStart(3, '0')}`);
    const progress: number[] = [];
    const result = await gateway.configureWebhooks(credential, repositories, target, { progress: (done) => progress.push(done) });
    const created = result.filter((entry) => entry.action === 'created');
    const limited = result.filter((entry) => entry.action === 'failed' && /rate limiting/.test(entry.error ?? ''));
    const notSent = result.filter((entry) => /Stackhook stopped sending requests/.test(entry.error ?? ''));
    // 10 calls allowed: a read and a create each, for 5 repositories, or 4 when two reads interleave.
    assert.ok(created.length >= 4 && created.length <= 5, `created ${created.length}`);
    assert.equal(created.length + limited.length, 30);
    assert.ok(notSent.length >= 20, `${notSent.length} never sent`);
    assert.ok(bitbucket.totalCalls() <= 10 + 2 + 2, `calls: ${bitbucket.totalCalls()}`);
    assert.equal(progress.at(-1), 30);
    bitbucket.setRateLimit(null);
  });
});
