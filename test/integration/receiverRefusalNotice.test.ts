// R17 refusals are not recorded, so the editor whose server received one hears of it directly:
// the likely cause is a wrong secret on the Bitbucket webhook, and the editor offers the fix.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { loadFixture } from '../unit/webhooks/fixtures';
import { deliverFixture, eventually, listenerUrl, recorded } from './receiverSupport';

describe('webhook receiver: telling the editor about bad signatures (R17)', () => {
  let server: ServerHandle;
  const notices: unknown[] = [];
  before(async () => {
    server = await startServer({ args: ['--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'] });
    server.connection.onNotification(Protocol.DeliveryRefused.method, (params: unknown) => {
      notices.push(params);
    });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-notice', verify: false });
  });
  after(() => server.stop());

  it('R17: a delivery with a wrong signature is refused, changes nothing, and the editor is told which integration and repository', async () => {
    const fixture = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
    const answer = await deliverFixture(await listenerUrl(server), 'acme-main', fixture, 'not-the-webhook-secret');
    assert.equal(answer.status, 401);
    await eventually(() => notices.length > 0, 'the refusal notice');
    const notice = Protocol.DeliveryRefused.params.parse(notices[0]);
    assert.deepEqual([notice.integrationId, notice.eventKey, notice.repository, notice.status], ['acme-main', 'repo:push', 'cloudbeers/temp', 401]);
    assert.match(notice.reason, /bad signature; check that the secret on the Bitbucket webhook/);
    assert.ok(!JSON.stringify(notice).includes('not-the-webhook-secret'));
    assert.deepEqual((await recorded(server)).deliveries, [], 'nothing recorded');
  });
});
