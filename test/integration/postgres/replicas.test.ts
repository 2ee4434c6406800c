// Two `serve` replicas on one PostgreSQL database, over real WebSockets: changes are transactions (no
// lost update), a delivery retried to both replicas at once queues its runs once, a change made
// through one replica reaches an editor on the other within a second, and a token revoked on the host
// closes its connections on every replica within seconds.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import * as Protocol from '../../../server/protocol';
import { startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempStore } from '../../support/serverProcess';
import { closeOf, connectEditor, createToken, postRedeem, startTeamServer, userWithToken, writeSecretKey, type TeamEditor, type TeamServer } from '../../support/teamServer';
import { loadFixture } from '../../unit/webhooks/fixtures';
import { deliverFixture, eventually, newRequestUuid } from '../receiverSupport';

describe('PostgreSQL: two replicas on one database', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let replicas: TeamServer[] = [];
  const editors: TeamEditor[] = [];
  let tokens: { ana: string; ben: string };
  let databaseUrl: string;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase('replicas');
    databaseUrl = url;
    const keyFile = writeSecretKey(mkdtempSync(path.join(os.tmpdir(), 'stackhook-key-')));
    // Nothing leaves the machine: runs that try Bitbucket meet a closed loopback port.
    const args = ['--bitbucket-api', 'http://127.0.0.1:9'];
    replicas = await Promise.all([0, 1].map(() => startTeamServer({ store: tempStore('stackhook-replica-'), databaseUrl: url, keyFile, args })));
    tokens = { ana: await userWithToken(replicas[0]!, 'ana', true), ben: await userWithToken(replicas[1]!, 'ben', true) };
  });
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await cluster?.stop();
  });
  const connect = async (replica: number, token: string) => {
    const editor = await connectEditor(replicas[replica]!.url, token);
    editors.push(editor);
    return editor;
  };

  it('a change made through one replica reaches an editor on the other within a second', async () => {
    const [ana, ben] = await Promise.all([connect(0, tokens.ana), connect(1, tokens.ben)]);
    const before = ben.changes.length;
    const started = Date.now();
    await ana.request(Protocol.IntegrationsCreate, { name: 'Shared', type: 'default', username: 'ana@example.com', secret: 'ATATT-replica-0123456789', verify: false });
    await eventually(() => ben.changes.slice(before).some((topics) => topics.includes('integrations')), 'ben on the other replica to hear of it', 1_000);
    assert.ok(Date.now() - started < 1_000);
    assert.deepEqual((await ben.request(Protocol.IntegrationsList)).map((i) => i.id), ['shared']);
  });

  it('an invitation made on one replica, redeemed at both at once: one personal token, one 401; the token connects to either', async () => {
    const ana = await connect(0, tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'dan' });
    const answers = await Promise.all(replicas.map((replica) => postRedeem(replica.url, `Bearer ${invitation.token}`)));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401], JSON.stringify(answers.map((answer) => answer.body)));
    const personal = Protocol.InvitationRedeemed.parse(answers.find((answer) => answer.status === 200)?.body);
    for (const replica of [0, 1]) assert.equal((await (await connect(replica, personal.token)).request(Protocol.Status)).user, 'dan');
    await assert.rejects(connectEditor(replicas[1]!.url, invitation.token), /401/, 'an invitation opens no connection');
    const listed = await replicas[1]!.admin('users', 'list');
    assert.match(listed, new RegExp(`^dan\t.*${personal.tokenId} \\(valid until .*\t${invitation.tokenId} \\(used .* for token ${personal.tokenId}\\)$`, 'm'));
  });

  it('1,000 interleaved changes from two editors on two replicas: none is lost', async () => {
    const [ana, ben] = await Promise.all([connect(0, tokens.ana), connect(1, tokens.ben)]);
    const changes = (editor: TeamEditor, who: string) =>
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = lane; i < 500; i += 10) await editor.request(Protocol.AccessGrant, { user: `${who}-${i}`, spaceId: 'root', role: 'read' });
      });
    await Promise.all([...changes(ana, 'a'), ...changes(ben, 'b')]);
    const pool = new Pool({ connectionString: databaseUrl });
    try {
      const { rows } = await pool.query<{ users: string[] }>("SELECT ARRAY(SELECT g->>'user' FROM jsonb_array_elements(state->'grants') g) AS users FROM registry");
      const granted = new Set(rows[0]?.users ?? []);
      const lost = [...Array.from({ length: 500 }, (_, i) => `a-${i}`), ...Array.from({ length: 500 }, (_, i) => `b-${i}`)].filter((user) => !granted.has(user));
      assert.deepEqual(lost, [], 'every change is in the registry');
    } finally {
      await pool.end();
    }
  });

  it('tokens revoke ID, run on the host, closes within seconds the token\'s connections on both replicas ("token revoked"); another user\'s stay open', async () => {
    await replicas[0]!.admin('users', 'add', 'rex');
    await replicas[0]!.admin('users', 'add', 'sol');
    const revoked = await createToken(databaseUrl, 'rex');
    const sol = await createToken(databaseUrl, 'sol');
    const [onFirst, onSecond, other] = [await connect(0, revoked.token), await connect(1, revoked.token), await connect(1, sol.token)];
    for (const editor of [onFirst, onSecond]) assert.equal((await editor.request(Protocol.Status)).user, 'rex');
    const closes = [onFirst, onSecond].map((editor) => closeOf(editor.socket, 15_000));
    // A process of its own, as on the host: its NOTIFY reaches both replicas as the revocation commits.
    await replicas[0]!.admin('tokens', 'revoke', revoked.id);
    const revokedAt = Date.now();
    for (const closed of await Promise.all(closes)) {
      assert.deepEqual([closed.code, closed.reason], [Protocol.TOKEN_ENDED_CLOSE_CODE, 'token revoked']);
      assert.ok(closed.at - revokedAt < 3_000, `closed ${closed.at - revokedAt} ms after the revocation`);
    }
    await assert.rejects(onSecond.request(Protocol.Status), 'the next request on a closed connection fails');
    assert.equal((await other.request(Protocol.Status)).user, 'sol', 'another user\'s connection stays open');
    await assert.rejects(connectEditor(replicas[1]!.url, revoked.token), /401/, 'and a new one is refused');
  });

  it('a revocation whose notice is lost, and a token that expires, still close their connections within seconds', async () => {
    const quiet = await createToken(databaseUrl, 'rex');
    const short = await createToken(databaseUrl, 'rex');
    const [revokedQuietly, expiring] = [await connect(0, quiet.token), await connect(1, short.token)];
    const closes = [closeOf(revokedQuietly.socket, 15_000), closeOf(expiring.socket, 15_000)];
    const pool = new Pool({ connectionString: databaseUrl });
    try {
      // Straight in the table, with no NOTIFY: only the replicas' periodic check can notice.
      await pool.query('UPDATE team_tokens SET revoked_at = now() WHERE id = $1', [quiet.id]);
      const expiresAt = Date.now() + 2_000;
      await pool.query('UPDATE team_tokens SET expires_at = $2 WHERE id = $1', [short.id, new Date(expiresAt)]);
      const changedAt = Date.now();
      assert.equal((await expiring.request(Protocol.Status)).user, 'rex', 'it works until it expires');
      const [lost, expired] = await Promise.all(closes);
      assert.deepEqual([lost?.code, lost?.reason], [Protocol.TOKEN_ENDED_CLOSE_CODE, 'token revoked']);
      assert.ok((lost?.at ?? Infinity) - changedAt < 5_000, `closed ${(lost?.at ?? Infinity) - changedAt} ms after the revocation`);
      assert.deepEqual([expired?.code, expired?.reason], [Protocol.TOKEN_ENDED_CLOSE_CODE, 'token expired']);
      assert.ok((expired?.at ?? 0) >= expiresAt - 50, 'not before its expiry');
      assert.ok((expired?.at ?? Infinity) - expiresAt < 5_000, `closed ${(expired?.at ?? Infinity) - expiresAt} ms after the expiry`);
    } finally {
      await pool.end();
    }
  });

  it('the same delivery sent to both replicas 50 times at once queues one set of runs', async () => {
    const ana = await connect(0, tokens.ana);
    await ana.request(Protocol.StacksCreate, { name: 'temp-main', spaceId: 'root', integrationId: 'shared', repository: 'cloudbeers/temp', branch: 'main', verify: false });
    const secret = (await ana.request(Protocol.IntegrationsWebhookSecret, { id: 'shared' })).secret as string;
    const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
    const requestUuid = newRequestUuid();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => deliverFixture(replicas[i % 2]!.url, 'shared', push, secret, { requestUuid, attempt: 1 + (i % 3) })),
    );
    assert.deepEqual(answers.filter((answer) => answer.status !== 200 && answer.status !== 202).map((answer) => answer.status), [], 'every attempt is answered 2xx');
    assert.equal(answers.filter((answer) => answer.status === 202).length, 1, 'exactly one attempt queued runs');
    const deliveries = (await ana.request(Protocol.DeliveriesList, {})).filter((delivery) => delivery.id === requestUuid);
    assert.equal(deliveries.length, 1);
    const runs = (await ana.request(Protocol.RunsList, {})).filter((run) => run.deliveryId === requestUuid);
    assert.deepEqual(runs.map((run) => run.stackId), ['temp-main']);
  });
});
