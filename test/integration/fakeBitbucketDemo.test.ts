// The demo's actions in the simulated Bitbucket (test/support/fakeBitbucket/demoControl.ts): each
// changes the world as a person would and sends the deliveries Bitbucket would, signed with each
// hook's own secret, to every hook that subscribes; without `demo` the fake serves no such actions.
import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';

interface Received {
  eventKey: string;
  signatureValid: boolean;
  body: Record<string, unknown>;
}

const SECRET = 'demo-hook-secret';
const EVENTS = ['repo:push', 'pullrequest:created', 'pullrequest:updated', 'pullrequest:approved', 'pullrequest:fulfilled', 'pullrequest:comment_created'];

describe('fake Bitbucket: the demo\'s actions send the deliveries Bitbucket would', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let sink: Server;
  const received: Received[] = [];

  before(async () => {
    sink = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        const expected = `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`;
        received.push({ eventKey: String(request.headers['x-event-key']), signatureValid: request.headers['x-hub-signature'] === expected, body: JSON.parse(text) as Record<string, unknown> });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    bitbucket = await startFakeBitbucket({ demo: { author: 'ana@example.com', reviewer: 'bo@example.com' } });
    bitbucket.world.addUser({ email: 'ana@example.com', token: 'ATATT-demo', workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/infra', { mainBranch: 'main' });
    bitbucket.pushCommit('acme/infra', 'main', { 'envs/prod/main.tf': '# prod\n' });
    bitbucket.addHook('acme/infra', { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`, events: EVENTS, secret: SECRET });
  });

  after(async () => {
    await bitbucket.stop();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  });

  const act = async (route: string, body?: unknown) => {
    const response = await fetch(`${bitbucket.origin}/_demo/${route}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const since = (count: number) => received.slice(count).map((entry) => entry.eventKey);

  it('a commit on a branch moves it in git and sends a signed repo:push naming the new commit', async () => {
    const before = bitbucket.world.repository('acme/infra')?.branches.get('main');
    const answer = await act('commit', { repository: 'acme/infra', branch: 'main', path: 'envs/prod/stackhook-demo.tf', message: 'Raise the NAT count' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const after = bitbucket.world.repository('acme/infra')?.branches.get('main');
    assert.notEqual(after, before);
    assert.equal(answer.body.commit, after);
    const push = received.at(-1);
    assert.equal(push?.eventKey, 'repo:push');
    assert.equal(push?.signatureValid, true);
    const change = (push?.body.push as { changes: { new: { name: string; target: { hash: string } }; old: { target: { hash: string } } }[] }).changes[0];
    assert.equal(change?.new.name, 'main');
    assert.equal(change?.new.target.hash, after);
    assert.equal(change?.old.target.hash, before);
  });

  it('opens a pull request from a new branch (with a commit on it), then updates it, comments, approves and merges, each with its event', async () => {
    let count = received.length;
    const opened = await act('pull-request', { repository: 'acme/infra', source: 'feature/nat', path: 'envs/prod/stackhook-demo.tf' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.created, true);
    assert.deepEqual(since(count), ['repo:push', 'pullrequest:created']);
    const id = opened.body.id as number;

    count = received.length;
    const updated = await act('pull-request', { repository: 'acme/infra', source: 'feature/nat' });
    assert.equal(updated.body.created, false);
    assert.equal(updated.body.id, id);
    assert.deepEqual(since(count), ['repo:push', 'pullrequest:updated']);

    count = received.length;
    assert.equal((await act('comment', { repository: 'acme/infra', id, text: 'Why three NAT gateways?' })).status, 200);
    assert.deepEqual(since(count), ['pullrequest:comment_created']);
    assert.match(JSON.stringify(received.at(-1)?.body.comment), /Why three NAT gateways\?/);
    assert.equal(bitbucket.pullRequests.get('acme/infra', id).comments.at(-1)?.raw, 'Why three NAT gateways?');

    count = received.length;
    assert.equal((await act('approve', { repository: 'acme/infra', id })).status, 200);
    assert.deepEqual(since(count), ['pullrequest:approved']);

    count = received.length;
    assert.equal((await act('merge', { repository: 'acme/infra', id })).status, 200);
    assert.deepEqual(since(count), ['pullrequest:fulfilled', 'repo:push']);
    assert.equal(bitbucket.pullRequests.get('acme/infra', id).state, 'MERGED');
    assert.ok(received.every((entry) => entry.signatureValid), 'every delivery is signed with the hook\'s secret');

    const state = await act('state');
    const repository = (state.body.repositories as { fullName: string; pullRequests: { id: number; state: string }[] }[]).find((entry) => entry.fullName === 'acme/infra');
    assert.deepEqual(repository?.pullRequests.map((pull) => [pull.id, pull.state]), [[id, 'MERGED']]);
  });

  it('bad input is refused in words and changes nothing; a merged pull request cannot be approved', async () => {
    const count = received.length;
    const missing = await act('commit', { repository: 'acme/infra' });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body.error), /branch/);
    const closed = await act('approve', { repository: 'acme/infra', id: 1 });
    assert.notEqual(closed.status, 200);
    assert.equal(received.length, count, 'nothing was delivered');
  });

  it('a fake started without `demo` has no demo actions', async () => {
    const plain = await startFakeBitbucket();
    try {
      const response = await fetch(`${plain.origin}/_demo/commit`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 404);
    } finally {
      await plain.stop();
    }
  });
});
