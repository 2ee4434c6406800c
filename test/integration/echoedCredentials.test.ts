// A hostile Bitbucket (or a proxy in front of it) that quotes the request's Authorization header and
// the token in its error bodies: no form of the credential may reach a result, an error or a log.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';

const EMAIL = 'ana@example.com';
const TOKEN = 'ATATT3xFfGF0-echo/me+please=token';

/** Every form the token can take on the wire. */
function forms(): string[] {
  const basic = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
  return [TOKEN, encodeURIComponent(TOKEN), basic, basic.replace(/=+$/, ''), `Basic ${basic}`];
}

function assertNoCredential(text: string, where: string): void {
  for (const form of forms()) assert.ok(!text.includes(form), `${where} holds "${form}": ${text.slice(0, 600)}`);
  assert.doesNotMatch(text, /Basic [A-Za-z0-9+/=]{8,}/, `${where} holds a Basic header`);
}

describe('Credentials echoed back by a hostile Bitbucket are masked in every form', function () {
  this.timeout(60_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: EMAIL, nickname: 'ana', displayName: 'Ana', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    server = await startServer({
      args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'],
      env: { STACKHOOK_BITBUCKET_TIMEOUT_MS: '2000', STACKHOOK_BITBUCKET_BACKOFF_MS: '5' },
    });
    await server.request(Protocol.IntegrationsCreate, { name: 'Echo', type: 'default', username: EMAIL, secret: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });
  afterEach(() => bitbucket.clearFaults());

  it('integrations/test (saved and typed credentials): the problem quotes no credential', async () => {
    bitbucket.setFaults({ echoCredentials: 400 });
    const saved = await server.request(Protocol.IntegrationsTest, { id: 'echo' });
    const typed = await server.request(Protocol.IntegrationsTest, { username: EMAIL, secret: TOKEN });
    for (const result of [saved, typed]) {
      assert.equal(result.ok, false);
      // The body was quoted (so the test would see a leak), just not the credential in it.
      assert.match(result.problem?.message ?? '', /Request refused/);
      assertNoCredential(JSON.stringify(result), 'integrations/test');
    }
  });

  it('webhooks/status and webhooks/configure: per-repository problems quote no credential', async () => {
    bitbucket.setFaults({ echoCredentials: 403 });
    const status = await server.request(Protocol.WebhooksStatus, { integrationId: 'echo', repositories: ['acme/network'] });
    const configured = await server.request(Protocol.WebhooksConfigure, { integrationId: 'echo', repositories: ['acme/network'] });
    assert.ok(JSON.stringify(status).includes('Request refused') || JSON.stringify(configured).includes('Request refused'), 'the echo reached the results');
    assertNoCredential(JSON.stringify(status), 'webhooks/status');
    assertNoCredential(JSON.stringify(configured), 'webhooks/configure');
  });

  it('integrations/create: the error quotes neither the token nor Basic base64(email:token)', async () => {
    bitbucket.setFaults({ echoCredentials: 400 });
    const refused = await rejection(server.request(Protocol.IntegrationsCreate, { name: 'Echo two', type: 'space', spaceId: 'root', username: EMAIL, secret: TOKEN }));
    assert.equal(refused.kind, 'Bitbucket');
    assert.match(refused.message, /Request refused/);
    assertNoCredential(refused.message, 'the error');
    assertNoCredential(JSON.stringify(refused.data), 'the error data');
  });

  it('the server log holds no form of the credential', async () => {
    // An answer that echoes the credential is had here, so that the log holds its request to search
    // even when this test runs alone.
    bitbucket.setFaults({ echoCredentials: 400 });
    const from = server.stderr().length;
    const echoed = await server.request(Protocol.IntegrationsTest, { id: 'echo' });
    assert.match(echoed.problem?.message ?? '', /Request refused/, 'Bitbucket echoed the request');
    assert.match(server.stderr().slice(from), /^GET \/user → 400 /m, 'the log has the request whose answer echoed the credential');
    assertNoCredential(server.stderr(), 'the log');
  });

  it('a huge error body is quoted only in part', async () => {
    bitbucket.setFaults({ echoCredentials: 400 });
    bitbucket.world.addRepository('acme/' + 'x'.repeat(60));
    const result = await server.request(Protocol.IntegrationsTest, { username: EMAIL, secret: `${TOKEN}${'y'.repeat(900)}` });
    assert.ok((result.problem?.message.length ?? 0) < 1_500, `the problem is ${result.problem?.message.length} characters`);
  });
});
