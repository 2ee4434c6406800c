// The webhook receiver of the built server (`dist/server.js --stdio --listen`), driven with real
// HTTP deliveries on loopback and checked through the protocol, as an editor would see it.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../server/protocol';
import { RegistryStore } from '../../server/store/files/registry';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { SIGNATURE_VECTOR, allFixtures, loadFixture, repositoryOf } from '../unit/webhooks/fixtures';
import { deliver, deliverFixture, eventually, listenerUrl, newRequestUuid, recorded, send, webhookSecret } from './receiverSupport';

const JENKINS = 'jenkins-bitbucket-branch-source';

describe('webhook receiver over HTTP (dist/server.js --stdio --listen)', function () {
  this.timeout(30_000);
  let server: ServerHandle;
  let url: string;
  let secret: string;

  before(async () => {
    server = await startServer({ args: ['--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'] });
    url = await listenerUrl(server);
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-receiver-test', verify: false });
    secret = await webhookSecret(server, 'acme-main');
    for (const [name, repository, branch] of [
      ['temp-main', 'cloudbeers/temp', 'main'],
      ['test-repos', 'Amuniz/Test-Repos', 'master'],
      ['atlantis', 'lkysow/atlantis-example', 'main'],
    ] as const) {
      await server.request(Protocol.StacksCreate, { name, spaceId: 'root', integrationId: 'acme-main', repository, branch, verify: false });
    }
  });
  after(() => server.stop());

  /** Runs and deliveries before and after `action`, to show that a refusal changed nothing. */
  async function unchangedBy(action: () => Promise<void>): Promise<void> {
    const before = await recorded(server);
    await action();
    const after = await recorded(server);
    assert.equal(after.runs.length, before.runs.length, 'no run');
    assert.equal(after.deliveries.length, before.deliveries.length, 'no delivery recorded');
  }

  it('answers GET /healthz with ok and the version, and nothing else outside the webhook path', async () => {
    const health = await send(`${url}/healthz`, 'GET', {});
    assert.equal(health.status, 200);
    assert.equal(health.json.ok, true);
    assert.equal(health.json.version, (await server.request(Protocol.Status)).version);
    assert.equal((await send(`${url}/`, 'GET', {})).status, 404);
    assert.equal((await send(`${url}/webhooks/bitbucket-cloud/acme-main`, 'GET', {})).status, 405);
  });

  it('says in stackhook/status that it listens', async () => {
    const status = await server.request(Protocol.Status);
    assert.equal(status.listener.state, 'listening');
    assert.match(status.listener.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  describe('refusals, in the order the rules check them', () => {
    const push = loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`);

    it('R15: a delivery to an unknown integration is refused with 404 and recorded, with no run', async () => {
      const before = await recorded(server);
      const requestUuid = newRequestUuid();
      // Checked before anything else: neither a huge body nor a missing signature changes the answer.
      const answer = await deliver(url, 'no-such-integration', { body: Buffer.alloc(2 * 1024 * 1024, 0x20), requestUuid });
      assert.equal(answer.status, 404);
      assert.equal(answer.json.verdict, 'unknown-integration');
      const after = await recorded(server);
      assert.equal(after.runs.length, before.runs.length);
      const delivery = after.deliveries.find((d) => d.id === requestUuid);
      assert.equal(delivery?.verdict, 'unknown-integration');
      assert.equal(delivery?.status, 404);
      assert.equal(delivery?.integrationId, 'no-such-integration');
      assert.match(delivery?.reason ?? '', /no integration "no-such-integration"; check the URL of the Bitbucket webhook/);
    });

    it('R15: a path that cannot name an integration is refused with 404 and not recorded', async () => {
      await unchangedBy(async () => {
        for (const path of ['/webhooks/bitbucket-cloud/', '/webhooks/bitbucket-cloud/Acme%20Main', '/webhooks/bitbucket-cloud/acme-main/extra', '/webhooks/bitbucket-cloud/%E0%A4%A']) {
          const answer = await deliver(url, '', { body: push.body, secret, path });
          assert.equal(answer.status, 404, path);
        }
      });
    });

    it('a body over 1 MiB is refused with 413 and changes nothing', async () => {
      await unchangedBy(async () => {
        const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
        assert.equal((await deliver(url, 'acme-main', { body: big, secret })).status, 413);
        assert.equal((await deliver(url, 'acme-main', { body: big, secret, chunked: true })).status, 413);
      });
      // The receiver still answers on fresh connections afterwards.
      assert.equal((await send(`${url}/healthz`, 'GET', {})).status, 200);
    });

    it('a body that is not a JSON object, or a missing X-Event-Key or X-Request-UUID, is refused with 400 and changes nothing', async () => {
      await unchangedBy(async () => {
        for (const body of ['', 'not json', '{"push":', '[]', 'null', '"text"', '42']) {
          const answer = await deliver(url, 'acme-main', { body, secret });
          assert.equal(answer.status, 400, JSON.stringify(body));
          assert.match(answer.json.reason ?? '', /refused: the body is (not JSON|JSON but not an object)/);
        }
        const noKey = await deliver(url, 'acme-main', { body: push.body, secret, eventKey: null });
        assert.equal(noKey.status, 400);
        assert.match(noKey.json.reason ?? '', /X-Event-Key is missing/);
        const noUuid = await deliver(url, 'acme-main', { body: push.body, secret, requestUuid: null });
        assert.equal(noUuid.status, 400);
        assert.match(noUuid.json.reason ?? '', /X-Request-UUID is missing/);
      });
    });

    it('R17: a delivery without a valid X-Hub-Signature is refused with 401 and changes nothing', async () => {
      await unchangedBy(async () => {
        const cases: [string, string | null][] = [
          ['missing', null],
          ['wrong secret', null],
          ['another body', null],
          ['malformed', 'sha256=xyz'],
          ['sha1', 'sha1=0123456789abcdef0123456789abcdef01234567'],
        ];
        for (const [what, signature] of cases) {
          const options =
            what === 'wrong secret'
              ? { secret: 'not-the-webhook-secret' }
              : what === 'another body'
                ? { signature: (await import('../../server/webhooks/signature')).signatureFor(secret, `${push.body.toString()} `) }
                : { signature };
          const answer = await deliver(url, 'acme-main', { body: push.body, eventKey: 'repo:push', ...options });
          assert.equal(answer.status, 401, what);
          assert.equal(answer.json.verdict, 'bad-signature', what);
        }
      });
      const answer = await deliver(url, 'acme-main', { body: push.body, signature: null });
      assert.match(answer.json.reason ?? '', /no X-Hub-Signature, but "Acme Main" has a webhook secret/);
      const wrong = await deliver(url, 'acme-main', { body: push.body, secret: 'nope-nope-nope' });
      assert.match(wrong.json.reason ?? '', /bad signature; check that the secret on the Bitbucket webhook is the webhook secret of "Acme Main"/);
    });

    it('R17: the signature vector from the fixtures README passes over HTTP, and its one-digit mutation is refused', async () => {
      await server.request(Protocol.IntegrationsCreate, { name: 'Vector', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-vector', verify: false });
      await server.request(Protocol.StacksCreate, { name: 'falco', spaceId: 'root', integrationId: 'vector', repository: 'nfalco79/test-repos', branch: 'master', verify: false });
      // The webhook secret is generated; give this integration the vector's secret, as another process could.
      const registry = await RegistryStore.open(server.store, 'ana');
      await registry.update((draft) => {
        const integration = draft.integrations.find((i) => i.id === 'vector');
        if (integration) integration.webhookSecret = SIGNATURE_VECTOR.secret;
      });
      registry.close();
      const fixture = loadFixture(SIGNATURE_VECTOR.file);
      await unchangedBy(async () => {
        const mutated = await deliver(url, 'vector', { body: fixture.body, eventKey: 'repo:push', signature: SIGNATURE_VECTOR.mutated });
        assert.equal(mutated.status, 401);
      });
      const requestUuid = newRequestUuid();
      const answer = await deliver(url, 'vector', { body: fixture.body, eventKey: 'repo:push', signature: SIGNATURE_VECTOR.header, requestUuid });
      assert.equal(answer.status, 202);
      const runs = (await recorded(server)).runs.filter((run) => run.deliveryId === requestUuid);
      assert.deepEqual(
        runs.map((run) => [run.stackId, run.kind, run.branch, run.commit]),
        [['falco', 'proposed', 'feature/webhook', 'd7f300a32270053bdfd97a6d64113f58202c33e7']],
      );
    });

    it('R15: a signed body of the wrong shape for its event is refused with 400 and recorded as invalid, with no run', async () => {
      const requestUuid = newRequestUuid();
      const answer = await deliver(url, 'acme-main', { body: '{"repository":{"full_name":"cloudbeers/temp"}}', eventKey: 'repo:push', secret, requestUuid });
      assert.equal(answer.status, 400);
      const { runs, deliveries } = await recorded(server);
      assert.equal(runs.filter((run) => run.deliveryId === requestUuid).length, 0);
      const delivery = deliveries.find((d) => d.id === requestUuid);
      assert.equal(delivery?.verdict, 'invalid');
      assert.match(delivery?.reason ?? '', /the repo:push body does not have the shape Bitbucket sends \(push:/);
    });
  });

  describe('routing the fixture payloads (R15)', () => {
    const cases: { what: string; file: string; status: number; runs: [string, string, string, string | null][]; reason: RegExp }[] = [
      {
        what: 'a push to the tracked branch queues a tracked run',
        file: `${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`,
        status: 202,
        runs: [['temp-main', 'tracked', 'main', 'e42fac24456e4a56f1b7f9358afc3070e3b7ddec']],
        reason: /^tracked run on temp-main \(main @ e42fac24456e\), ran: the changed files could not be read \([^)]*\) \(the safe side\)$/,
      },
      {
        what: 'a push to another branch queues a proposed run (the repository matched whatever its case)',
        file: `${JENKINS}/branch_created.json`,
        status: 202,
        runs: [['test-repos', 'proposed', 'feature/test', '174561d625c9623b60d8aba09b7f08ddc9df45cd']],
        reason: /^proposed run on test-repos/,
      },
      { what: 'a tag is recorded and ignored', file: `${JENKINS}/tag_created.json`, status: 200, runs: [], reason: /^tag simple-tag ignored$/ },
      { what: 'a branch deletion is recorded and ignored', file: `${JENKINS}/branch_deleted.json`, status: 200, runs: [], reason: /^deletion of feature\/test ignored$/ },
      {
        // Its source is named lkysow-fork/atlantis-example but has the destination's UUID: the same repository.
        what: 'a created pull request whose source has the destination\'s UUID under another name proposes a run',
        file: 'atlantis/bitbucket-cloud-pull-event-created.json',
        status: 202,
        runs: [['atlantis', 'proposed', 'Luke/maintf-edited-online-with-bitbucket-1560433073473', '1e69a602caef']],
        reason: /^proposed run on atlantis \(Luke\/maintf-edited-online-with-bitbucket-1560433073473 @ 1e69a602caef\), ran: the changed files could not be read \([^)]*\) \(the safe side\)$/,
      },
      {
        // Code from outside the repository gets no run unless the stack allows forks.
        what: 'a created pull request from a fork is recorded and gets no run by default',
        file: `${JENKINS}/BitbucketCloudPullRequestEventTest-createPayloadFork.json`,
        status: 200,
        runs: [],
        reason: /^pull request #3 comes from a fork \(stephenc\/temp-fork\): no run on temp-main, which does not allow forks$/,
      },
      {
        what: 'an updated pull request proposes a run',
        file: 'atlantis/bitbucket-cloud-pull-event-updated.json',
        status: 202,
        runs: [['atlantis', 'proposed', 'example', '315f27602bd8']],
        reason: /^proposed run on atlantis \(example @ 315f27602bd8\), ran: the changed files could not be read \([^)]*\) \(the safe side\); queued runs of pull request #1 stop \(superseded by 315f27602bd8\)$/,
      },
      { what: 'a merged pull request is recorded and ignored', file: 'atlantis/bitbucket-cloud-pull-event-fulfilled.json', status: 200, runs: [], reason: /fulfilled: ignored/ },
      { what: 'a declined pull request is recorded and ignored', file: 'atlantis/bitbucket-cloud-pull-event-rejected.json', status: 200, runs: [], reason: /rejected: ignored/ },
      { what: 'a pull request comment is recorded and ignored', file: 'atlantis/bitbucket-cloud-comment-event.json', status: 200, runs: [], reason: /comment_created: ignored/ },
    ];
    for (const expected of cases) {
      it(`R15: ${expected.what}`, async () => {
        const fixture = loadFixture(expected.file);
        const requestUuid = newRequestUuid();
        const changesBefore = server.changes.length;
        const answer = await deliverFixture(url, 'acme-main', fixture, secret, { requestUuid });
        assert.equal(answer.status, expected.status, JSON.stringify(answer.json));
        const { runs, deliveries } = await recorded(server);
        const mine = runs.filter((run) => run.deliveryId === requestUuid).reverse();
        assert.deepEqual(
          mine.map((run) => [run.stackId, run.kind, run.branch, run.commit]),
          expected.runs,
        );
        assert.ok(mine.every((run) => run.trigger === (fixture.eventKey === 'repo:push' ? 'push' : 'pullrequest')));
        assert.deepEqual(answer.json.runIds, mine.map((run) => run.id));
        const delivery = deliveries.find((d) => d.id === requestUuid);
        assert.ok(delivery, 'the delivery is recorded');
        assert.equal(delivery.verdict, expected.runs.length > 0 ? 'queued' : 'ignored');
        assert.equal(delivery.status, expected.status);
        assert.equal(delivery.eventKey, fixture.eventKey);
        assert.equal(delivery.repository, repositoryOf(fixture));
        assert.match(delivery.reason, expected.reason);
        assert.deepEqual(delivery.stackIds, [...new Set(expected.runs.map(([stackId]) => stackId))]);
        await eventually(
          () => server.changes.slice(changesBefore).some((topics) => topics.includes('deliveries') && (expected.runs.length === 0 || topics.includes('runs'))),
          'a stackhook/changed notification',
        );
      });
    }

    it('R15: every fixture is accepted and routed as its event key says', async () => {
      for (const fixture of allFixtures()) {
        const requestUuid = newRequestUuid();
        const answer = await deliverFixture(url, 'acme-main', fixture, secret, { requestUuid });
        assert.ok(answer.status === 200 || answer.status === 202, `${fixture.name}: ${answer.status} ${JSON.stringify(answer.json)}`);
        const { runs, deliveries } = await recorded(server);
        const delivery = deliveries.find((d) => d.id === requestUuid);
        assert.equal(delivery?.eventKey, fixture.eventKey, fixture.name);
        assert.equal(delivery?.repository, repositoryOf(fixture), fixture.name);
        const mine = runs.filter((run) => run.deliveryId === requestUuid);
        if (fixture.eventKey === 'repo:push') {
          assert.ok(mine.every((run) => run.trigger === 'push'), fixture.name);
        } else {
          const proposing = /^pullrequest:(created|updated)$/.test(fixture.eventKey);
          assert.ok(mine.every((run) => run.trigger === 'pullrequest' && run.kind === 'proposed'), fixture.name);
          if (!proposing) assert.equal(mine.length, 0, `${fixture.name} must not start runs`);
        }
        assert.equal(delivery?.verdict, mine.length > 0 ? 'queued' : 'ignored', fixture.name);
      }
    });

    it('a pull request whose delivery does not prove its source is this repository (none, or null) gets no run, and the delivery log says why', async () => {
      const origin = loadFixture(`${JENKINS}/BitbucketCloudPullRequestEventTest-createPayloadOrigin.json`);
      for (const [what, source] of [['missing', undefined], ['null', null]] as const) {
        const body = structuredClone(origin.json) as { pullrequest: { source: { repository?: unknown } } };
        if (source === undefined) delete body.pullrequest.source.repository;
        else body.pullrequest.source.repository = source;
        const requestUuid = newRequestUuid();
        const answer = await deliver(url, 'acme-main', { body: JSON.stringify(body), eventKey: 'pullrequest:created', secret, requestUuid });
        assert.equal(answer.status, 200, `${what}: ${JSON.stringify(answer.json)}`);
        const { runs, deliveries } = await recorded(server);
        assert.deepEqual(runs.filter((run) => run.deliveryId === requestUuid), [], what);
        const delivery = deliveries.find((d) => d.id === requestUuid);
        assert.equal(delivery?.verdict, 'ignored', what);
        assert.equal(delivery?.reason, 'pull request #1 counts as coming from a fork (the delivery names no source repository): no run on temp-main, which does not allow forks', what);
      }
    });
  });

  describe('retries (R16)', () => {
    const push = loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`);

    it('R16: a retried delivery queues runs once', async () => {
      const requestUuid = newRequestUuid();
      const first = await deliverFixture(url, 'acme-main', push, secret, { requestUuid });
      assert.equal(first.status, 202);
      const before = await recorded(server);
      const retry = await deliverFixture(url, 'acme-main', push, secret, { requestUuid, attempt: 2 });
      assert.equal(retry.status, 200);
      assert.equal(retry.json.duplicate, true);
      assert.equal(retry.json.verdict, 'queued', 'the first verdict');
      assert.deepEqual(retry.json.runIds, first.json.runIds);
      const after = await recorded(server);
      assert.equal(after.runs.length, before.runs.length, 'no second run');
      assert.equal(after.deliveries.length, before.deliveries.length);
    });

    it('R16: attempts of one delivery that arrive together queue runs once', async () => {
      const requestUuid = newRequestUuid();
      const answers = await Promise.all(
        [1, 2, 3, 1, 2, 3, 2, 3].map((attempt) => deliverFixture(url, 'acme-main', push, secret, { requestUuid, attempt })),
      );
      assert.ok(answers.every((answer) => answer.status === 200 || answer.status === 202), JSON.stringify(answers.map((a) => a.status)));
      assert.equal(answers.filter((answer) => answer.status === 202).length, 1);
      const { runs, deliveries } = await recorded(server);
      assert.equal(runs.filter((run) => run.deliveryId === requestUuid).length, 1);
      assert.equal(deliveries.filter((d) => d.id === requestUuid).length, 1);
    });
  });

  describe('deleted and recreated integrations (R11–R13, R15)', () => {
    const push = loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`);
    const runsOfDelivery = async (requestUuid: string) => (await recorded(server)).runs.filter((run) => run.deliveryId === requestUuid);

    it('R15: a delivery to a deleted integration is refused with 410 and recorded, with no run; R13: after a same-name recreate deliveries work again and still-detached stacks get none', async () => {
      await server.request(Protocol.IntegrationsCreate, { name: 'Team BB', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-team', verify: false });
      for (const name of ['team-net', 'team-dns']) {
        await server.request(Protocol.StacksCreate, { name, spaceId: 'root', integrationId: 'team-bb', repository: 'CloudBeers/Temp', branch: 'main', verify: false });
      }
      const oldSecret = await webhookSecret(server, 'team-bb');
      const attached = newRequestUuid();
      assert.equal((await deliverFixture(url, 'team-bb', push, oldSecret, { requestUuid: attached })).status, 202);
      assert.deepEqual((await runsOfDelivery(attached)).map((run) => run.stackId).sort(), ['team-dns', 'team-net'], 'only the stacks of this integration');

      await server.request(Protocol.IntegrationsDelete, { id: 'team-bb' });
      const afterDelete = newRequestUuid();
      const gone = await deliverFixture(url, 'team-bb', push, oldSecret, { requestUuid: afterDelete });
      assert.equal(gone.status, 410);
      assert.equal(gone.json.verdict, 'deleted-integration');
      assert.deepEqual(await runsOfDelivery(afterDelete), []);
      const refusal = (await recorded(server)).deliveries.find((d) => d.id === afterDelete);
      assert.equal(refusal?.verdict, 'deleted-integration');
      assert.equal(refusal?.status, 410);
      assert.match(refusal?.reason ?? '', /"team-bb" was deleted; create an integration with the same name/);

      await server.request(Protocol.IntegrationsCreate, { name: 'Team BB', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: 'ATATT-team-2', verify: false });
      // R13: Bitbucket's hook is untouched, so it still signs with the old secret, which the recreated integration keeps.
      assert.equal(await webhookSecret(server, 'team-bb'), oldSecret);
      // The same request id as the refused attempt: a refusal does not make it a duplicate.
      const back = await deliverFixture(url, 'team-bb', push, oldSecret, { requestUuid: afterDelete });
      assert.equal(back.status, 200, JSON.stringify(back.json));
      assert.equal(back.json.verdict, 'ignored');
      assert.match(back.json.reason ?? '', /no attached stack of team-bb uses cloudbeers\/temp; 2 detached stacks \(team-net, team-dns\) skipped/);
      assert.deepEqual(await runsOfDelivery(afterDelete), [], 'R13: detached stacks get no runs');

      await server.request(Protocol.StacksSetIntegration, { stackId: 'team-net', integrationId: 'team-bb' });
      const reattached = newRequestUuid();
      assert.equal((await deliverFixture(url, 'team-bb', push, oldSecret, { requestUuid: reattached })).status, 202);
      assert.deepEqual((await runsOfDelivery(reattached)).map((run) => [run.stackId, run.kind]), [['team-net', 'tracked']]);
    });
  });

  it('keeps a delivery\'s safe headers with it: the signature only as present, no other header, no secret, no body', async () => {
    const fixture = loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`);
    const requestUuid = newRequestUuid();
    const signature = (await import('../../server/webhooks/signature')).signatureFor(secret, fixture.body);
    const basic = `Basic ${Buffer.from(`ana@example.com:${secret}`).toString('base64')}`;
    const answer = await deliverFixture(url, 'acme-main', fixture, secret, {
      requestUuid,
      attempt: 3,
      headers: { 'User-Agent': `Bitbucket-Webhooks/2.0 ${secret}`, Authorization: basic, 'X-Forwarded-For': '203.0.113.9', Cookie: 'session=abc' },
    });
    assert.equal(answer.status, 202);
    const delivery = (await recorded(server)).deliveries.find((candidate) => candidate.id === requestUuid);
    assert.deepEqual(delivery?.headers, {
      'X-Event-Key': 'repo:push',
      'X-Hook-UUID': '{8f3b6c1e-5d0a-4c8e-9a27-0f1e2d3c4b5a}',
      'X-Request-UUID': requestUuid,
      'X-Attempt-Number': '3',
      'User-Agent': 'Bitbucket-Webhooks/2.0 ••••••',
      'Content-Type': 'application/json',
      'X-Hub-Signature': 'present',
    });
    const commitMessage = ((fixture.json.push as { changes: { commits: { message: string }[] }[] }).changes[0]?.commits[0]?.message ?? '').trim();
    const { storePath } = await server.request(Protocol.Status);
    const onDisk = (await import('node:fs')).readFileSync((await import('node:path')).join(storePath, 'deliveries.jsonl'), 'utf8');
    for (const [where, text] of [['the protocol', JSON.stringify(delivery)], ['the deliveries log', onDisk]] as const) {
      for (const leak of [secret, signature, signature.replace(/^sha256=/, ''), basic, '203.0.113.9', 'session=abc', commitMessage]) {
        assert.ok(!text.includes(leak), `${where} holds ${leak.slice(0, 20)}…`);
      }
    }

    const unsigned = newRequestUuid();
    await deliver(url, 'no-such-integration', { body: fixture.body, eventKey: 'repo:push', requestUuid: unsigned, signature: null });
    const refused = (await recorded(server)).deliveries.find((candidate) => candidate.id === unsigned);
    assert.equal(refused?.verdict, 'unknown-integration');
    assert.equal(refused?.headers?.['X-Hub-Signature'], 'absent');
  });

  it('logs one line per delivery, with no secret and no body', async () => {
    const fixture = loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`);
    const requestUuid = newRequestUuid();
    await deliverFixture(url, 'acme-main', fixture, secret, { requestUuid });
    await eventually(() => server.stderr().includes(`delivery ${requestUuid} to acme-main repo:push cloudbeers/temp → 202 queued: tracked run on temp-main`), 'the log line');
    const log = server.stderr();
    assert.ok(!log.includes(secret), 'the webhook secret is never logged');
    assert.ok(!log.includes(SIGNATURE_VECTOR.secret));
    const commitMessage = ((fixture.json.push as { changes: { commits: { message: string }[] }[] }).changes[0]?.commits[0]?.message ?? '').trim();
    assert.ok(commitMessage.length > 3);
    assert.ok(!log.includes(commitMessage), 'no part of a body is logged');
  });

  it('in a second window on the same port, says the receiver runs elsewhere and keeps serving', async () => {
    const port = new URL(url).port;
    const second = await startServer({ store: server.store, args: ['--public-url', 'https://hooks.example.com', '--listen', `127.0.0.1:${port}`] });
    try {
      const status = await second.request(Protocol.Status);
      assert.equal(status.listener.state, 'elsewhere');
      assert.match(status.listener.message ?? '', /taken by another Stackhook process/);
      assert.ok((await second.request(Protocol.StacksList)).length > 0, 'RPC still works');
      // What the first window's receiver records reaches the second window.
      const changesBefore = second.changes.length;
      const requestUuid = newRequestUuid();
      await deliverFixture(url, 'acme-main', loadFixture(`${JENKINS}/BitbucketCloudPushEventTest-updatePayload.json`), secret, { requestUuid });
      await eventually(() => second.changes.slice(changesBefore).some((topics) => topics.includes('runs')), 'runs changed in the second window');
      await eventually(() => second.changes.slice(changesBefore).some((topics) => topics.includes('deliveries')), 'deliveries changed in the second window');
      assert.ok((await recorded(second)).deliveries.some((d) => d.id === requestUuid));
    } finally {
      await second.stop();
    }
  });
});
