// R15/R16 under attack: an unsigned flood to unknown integration ids must not push real deliveries
// out of the history nor make a captured delivery new again, and two receivers on one store must
// take one X-Request-UUID once.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ServerHandle } from '../support/serverProcess';
import { loadFixture } from '../unit/webhooks/fixtures';
import { deliver, deliverFixture, newRequestUuid, recorded } from './receiverSupport';
import { seededStore, startServe, type ServeHandle } from './serveProcess';

const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');

async function inBatches<T>(count: number, width: number, one: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += width) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, i) => one(start + i)))));
  }
  return results;
}

describe('Deliveries under an unsigned flood, and one UUID at two receivers', function () {
  this.timeout(120_000);
  let store: string;
  let editor: ServerHandle;
  let secret: string;
  const running: ServeHandle[] = [];

  before(async () => {
    ({ store, editor, secret } = await seededStore('stackhook-flood-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((serve) => serve.stop()));
  });
  after(() => editor?.stop());

  it('a flood to unknown ids neither evicts real history nor lets a replay after a restart queue runs again', async () => {
    const first = await startServe(store, { args: ['--delivery-log-size', '10'] });
    running.push(first);
    const requestUuid = newRequestUuid();
    const accepted = await deliverFixture(first.url, 'acme-main', push, secret, { requestUuid });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));

    // Far more than two generations of a 10-line log, unsigned, with no body, to ids nobody holds.
    const answers = await inBatches(400, 40, (i) => deliver(first.url, `nobody-${i}`, { body: '' }));
    assert.ok(answers.every((answer) => answer.status === 404));
    await first.stop();

    const second = await startServe(store, { args: ['--delivery-log-size', '10'] });
    running.push(second);
    const replay = await deliverFixture(second.url, 'acme-main', push, secret, { requestUuid, attempt: 2 });
    assert.equal(replay.status, 200, JSON.stringify(replay.json));
    assert.equal(replay.json.duplicate, true);

    const seen = await recorded(editor);
    assert.equal(seen.runs.filter((run) => run.deliveryId === requestUuid).length, 1, 'the runs were queued once');
    assert.ok(seen.deliveries.some((delivery) => delivery.id === requestUuid && delivery.verdict === 'queued'), 'the real delivery is still in the history');
    const refusals = seen.deliveries.filter((delivery) => delivery.verdict === 'unknown-integration');
    assert.ok(refusals.length > 0, 'refusals are still recorded (R15)');
    assert.ok(refusals.length <= 60, `at most a minute's budget of refusals is recorded, not ${refusals.length}`);
    assert.match(readFileSync(path.join(store, 'deliveries.jsonl'), 'utf8'), new RegExp(requestUuid));
  });

  it('two receivers on one store take one X-Request-UUID once, round after round', async () => {
    const a = await startServe(store);
    const b = await startServe(store);
    running.push(a, b);
    for (let round = 0; round < 8; round += 1) {
      const requestUuid = newRequestUuid();
      const answers = await Promise.all([a, b, a, b].map((serve) => deliverFixture(serve.url, 'acme-main', push, secret, { requestUuid })));
      const taken = answers.filter((answer) => answer.status === 202);
      assert.equal(taken.length, 1, `round ${round}: ${JSON.stringify(answers.map((answer) => [answer.status, answer.json.duplicate]))}`);
      assert.ok(answers.every((answer) => answer.status === 202 || (answer.status === 200 && answer.json.duplicate === true)));
      const seen = await recorded(editor);
      assert.equal(seen.runs.filter((run) => run.deliveryId === requestUuid).length, 1, `round ${round}: runs queued once`);
      assert.equal(seen.deliveries.filter((delivery) => delivery.id === requestUuid).length, 1, `round ${round}: recorded once`);
    }
  });
});
