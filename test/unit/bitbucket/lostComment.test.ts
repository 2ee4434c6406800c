// A pull request comment whose creation Bitbucket carried out but whose answer never arrived (the
// connection broke on the way back) is found among the pull request's comments, not posted twice.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { Logger } from '../../../server/log';
import { startAnswerHoldingProxy, type AnswerHoldingProxy } from '../../support/answerHoldingProxy';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';

describe('Bitbucket: a pull request comment whose answer was lost', () => {
  const credential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-comments', credentialType: 'api_token' as const };
  let bitbucket: FakeBitbucket;
  let proxy: AnswerHoldingProxy | null = null;

  beforeEach(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: credential.username, token: credential.secret, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    bitbucket.world.addPullRequest('acme/network', 5);
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = null;
    await bitbucket.stop();
  });

  const comments = () => bitbucket.world.repository('acme/network')?.pullRequests.get(5) ?? [];
  const gatewayThrough = (url: string) => createBitbucketGateway(url, new Logger(() => undefined), settingsFromEnv({}));

  it('is found by its text and its id returned: one comment on the pull request', async () => {
    await gatewayThrough(bitbucket.url).writePullRequestComment(credential, 'acme/network', 5, 'an earlier comment', null, {});
    proxy = await startAnswerHoldingProxy(bitbucket.url, (request) => request.method === 'POST' && /\/comments$/.test(request.url ?? ''), { drop: true });
    const id = await gatewayThrough(proxy.url).writePullRequestComment(credential, 'acme/network', 5, '**Stackhook** · plan: 2 to add', null, {});
    assert.equal(proxy.held, 1, 'the answer to the create was lost');
    const ours = comments().filter((comment) => comment.raw === '**Stackhook** · plan: 2 to add');
    assert.equal(ours.length, 1, 'posted once');
    assert.equal(id, ours[0]?.id);
  });

  it('fails as the create failed when the comment cannot be found, so the run\'s retry posts it', async () => {
    // Nothing answers at all: neither the create nor the look for it gets through.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(gatewayThrough(`http://127.0.0.1:${port}/2.0`).writePullRequestComment(credential, 'acme/network', 5, '**Stackhook** · lost', null, {}), (error: Error & { problem?: string }) => {
      assert.equal(error.problem, 'network');
      assert.match(error.message, /to comment on pull request #5 of acme\/network/);
      return true;
    });
    assert.equal(comments().length, 0);
  });
});
