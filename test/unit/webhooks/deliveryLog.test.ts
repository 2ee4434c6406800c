// A delivery and the runs it queued are one line of the deliveries log (one write, one fsync), so
// R16 de-duplication never sees runs without their delivery. Manual runs stay in the runs log;
// `runs/list` shows both, and lines written before runs moved into deliveries still load.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listDeliveries, listRuns } from '../../../server/operations/history';
import * as integrations from '../../../server/operations/integrations';
import * as stacks from '../../../server/operations/stacks';
import { QueuedRun as RunSchema, type QueuedRun as Run } from '../../../server/protocol';
import { AppendLog } from '../../../server/store/files/appendLog';
import { fileDeliveriesLog, takenKey } from '../../../server/store/files/deliveriesLog';
import { DeliveryPipeline } from '../../support/fileEngine';
import { keyedDeliveriesLog, type KeyedDeliveriesLog } from '../../../server/store/files/deliveryRecorder';
import { signatureFor } from '../../../server/webhooks/signature';
import { StoredDelivery, deliveryKey } from '../../../server/store/storedDelivery';
import { scope, testWorld, type TestWorld } from '../../support/testContext';
import { loadFixture, repositoryOf } from './fixtures';

const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
const pushedBranch = ((push.json.push as { changes: { new: { name: string } }[] }).changes[0] as { new: { name: string } }).new.name;

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : []);

describe('webhooks/delivery log', () => {
  let world: TestWorld;
  let secret: string;
  let clock: Date;
  const ana = () => ({ ...world.as('ana'), now: () => clock });

  beforeEach(async () => {
    world = await testWorld('ana');
    clock = new Date('2026-11-25T12:00:00.000Z');
    await integrations.createIntegration(ana(), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-log', verify: false }, scope);
    for (const name of ['net', 'dns']) {
      await stacks.createStack(ana(), { name, spaceId: 'root', integrationId: 'acme-main', repository: repositoryOf(push), branch: pushedBranch, verify: false }, scope);
    }
    secret = (await integrations.webhookSecret(ana(), { id: 'acme-main' })).secret;
  });
  afterEach(() => world.close());

  const deliver = (pipeline: DeliveryPipeline, requestUuid: string, attempt = 1) =>
    pipeline.handle({
      integrationId: 'acme-main',
      headers: {
        'x-event-key': 'repo:push',
        'x-request-uuid': requestUuid,
        'x-attempt-number': String(attempt),
        'x-hub-signature': signatureFor(secret, push.body),
      },
      readBody: async () => push.body,
    });

  it('R16: a delivery and its runs are written as one line; a retry answers from it and queues nothing', async () => {
    const pipeline = new DeliveryPipeline(ana());
    const first = await deliver(pipeline, '{delivery-1}');
    assert.equal(first.status, 202);
    assert.equal(first.response.runIds.length, 2);

    const deliveriesFile = path.join(world.folder, 'deliveries.jsonl');
    const written = lines(deliveriesFile);
    assert.equal(written.length, 1, 'one line for the delivery and its runs');
    const stored = StoredDelivery.parse(JSON.parse(written[0] as string));
    assert.deepEqual(stored.runs.map((run) => run.id), first.response.runIds);
    assert.ok(stored.runs.every((run) => run.deliveryId === '{delivery-1}' && run.trigger === 'push'));
    assert.deepEqual(lines(path.join(world.folder, 'runs.jsonl')), [], 'the runs log holds manual runs only');
    assert.deepEqual(world.changes.at(-1), ['deliveries', 'runs']);

    const retry = await deliver(pipeline, '{delivery-1}', 2);
    assert.equal(retry.status, 200);
    assert.equal(retry.response.duplicate, true);
    assert.deepEqual(retry.response.runIds, first.response.runIds);
    assert.equal(lines(deliveriesFile).length, 1, 'nothing written for the retry');
  });

  it('R16: another process\'s record counts, runs included', async () => {
    const other = new DeliveryPipeline(ana());
    const first = await deliver(other, '{delivery-2}');
    // A second process on the same store: its own log and ledger, reading the same file.
    const log = fileDeliveriesLog(world.folder, 1_000);
    await log.load();
    const key = deliveryKey('acme-main', '{delivery-2}');
    assert.equal(log.firstOf(key)?.id, '{delivery-2}', 'read as the log was loaded');
    assert.deepEqual(log.firstOf(key)?.runs.map((run) => run.id), first.response.runIds);
    assert.equal(log.firstOf(deliveryKey('acme-main', '{delivery-3}')), undefined);
    await log.close();
  });

  it('R16: a new delivery does not wait for the deliveries log to look for other processes\' appends; a retry through another pipeline is still answered from the record', async () => {
    // A look at the log for other processes' appends waits for a write in flight (its fsync): here it never ends.
    const log = ana().deliveries;
    const stalled: typeof log & KeyedDeliveriesLog & { uniqueBy: typeof takenKey } = {
      file: log.file,
      uniqueBy: takenKey,
      firstOf: (key) => keyedDeliveriesLog(log).firstOf(key),
      load: () => log.load(),
      refresh: () => new Promise<boolean>(() => undefined),
      all: () => log.all(),
      append: (records) => log.append(records),
      close: () => log.close(),
    };
    const stalledContext = { ...ana(), deliveries: stalled };
    const timeout = (ms: number) => new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms).unref());

    const first = await Promise.race([deliver(new DeliveryPipeline(stalledContext), '{delivery-5}'), timeout(2_000)]);
    assert.notEqual(first, 'timed out', 'the delivery waited for the log');
    if (first === 'timed out') return;
    assert.equal(first.status, 202);
    // Another receiver on the store, with a ledger of its own that has not read the log since.
    const retry = await Promise.race([deliver(new DeliveryPipeline(stalledContext), '{delivery-5}', 2), timeout(2_000)]);
    assert.notEqual(retry, 'timed out');
    if (retry === 'timed out') return;
    assert.equal(retry.status, 200);
    assert.equal(retry.response.duplicate, true);
    assert.deepEqual(retry.response.runIds, first.response.runIds);
  });

  it('R16: two processes that record one delivery at once both write it; the first line is the record, and the other attempt is answered with it', async () => {
    // Two receivers on one store, each with its own view of the log.
    const [mine, theirs] = [fileDeliveriesLog(world.folder, 1_000), fileDeliveriesLog(world.folder, 1_000)];
    await Promise.all([mine.load(), theirs.load()]);
    const answers = await Promise.all([
      deliver(new DeliveryPipeline({ ...ana(), deliveries: mine }), '{delivery-6}'),
      deliver(new DeliveryPipeline({ ...ana(), deliveries: theirs }), '{delivery-6}', 2),
    ]);
    const recorded = answers.filter((answer) => answer.status === 202);
    const duplicates = answers.filter((answer) => answer.status === 200 && answer.response.duplicate === true);
    assert.equal(recorded.length, 1, `one attempt is the record: ${answers.map((answer) => answer.status).join(', ')}`);
    assert.equal(duplicates.length, 1);
    assert.deepEqual(duplicates[0]?.response.runIds, recorded[0]?.response.runIds, 'the other attempt is answered with the record\'s runs');
    assert.equal(lines(path.join(world.folder, 'deliveries.jsonl')).length, 2, 'both attempts were written');
    // Every reader lists one delivery and its runs only.
    const fresh = fileDeliveriesLog(world.folder, 1_000);
    await fresh.load();
    assert.equal(fresh.all().length, 1);
    const runs = await listRuns({ ...ana(), deliveries: fresh }, {});
    assert.deepEqual(runs.map((run) => run.id).sort(), [...(recorded[0]?.response.runIds ?? [])].sort());
    await Promise.all([mine.close(), theirs.close(), fresh.close()]);
  });

  it('R16: a retry that comes after its delivery left the deliveries log is still a duplicate, from accepted-keys', async () => {
    const small = fileDeliveriesLog(world.folder, 2);
    await small.load();
    const pipeline = new DeliveryPipeline({ ...ana(), deliveries: small });
    const first = await deliver(pipeline, '{long-ago}');
    assert.equal(first.status, 202);
    for (let n = 0; n < 6; n += 1) assert.equal((await deliver(pipeline, `{flood-${n}}`)).status, 202);
    await new Promise((resolve) => setImmediate(resolve));
    // Another process, started after the delivery rotated out of both generations of the log.
    const later = fileDeliveriesLog(world.folder, 2);
    await later.load();
    assert.ok(!later.all().some((delivery) => delivery.id === '{long-ago}'), 'the delivery left the log');
    const retry = await deliver(new DeliveryPipeline({ ...ana(), deliveries: later }), '{long-ago}', 2);
    assert.equal(retry.status, 200);
    assert.equal(retry.response.duplicate, true);
    assert.deepEqual(retry.response.runIds, []);
    assert.equal(retry.response.verdict, 'queued');
    assert.match(retry.response.reason, /^already taken at 2026-11-25T12:00:00\.000Z; that record has left the deliveries log$/);
    assert.ok(!later.all().some((delivery) => delivery.id === '{long-ago}'), 'nothing recorded for the retry');
    await Promise.all([small.close(), later.close()]);
  });

  it('R16: the keys a store\'s older server kept as files in accepted/ still answer retries, and the folder is removed', async () => {
    const accepted = path.join(world.folder, 'accepted');
    mkdirSync(accepted);
    const key = createHash('sha256').update('acme-main\u0000{from-before}').digest('hex').slice(0, 40);
    writeFileSync(path.join(accepted, key), '{"id":"{from-before}"}');
    const retry = await deliver(new DeliveryPipeline(ana()), '{from-before}', 2);
    assert.equal(retry.status, 200);
    assert.equal(retry.response.duplicate, true);
    assert.equal(existsSync(accepted), false);
    assert.match(readFileSync(path.join(world.folder, 'accepted-keys'), 'utf8'), new RegExp(`^${key} \\d+ queued\n$`));
    assert.equal((await deliver(new DeliveryPipeline(ana()), '{new-one}')).status, 202, 'another delivery is new');
  });

  it('R16: the file recorder refuses a deliveries log that does not list one record per delivery', () => {
    const plain = new AppendLog(path.join(world.folder, 'deliveries.jsonl'), StoredDelivery, 1_000);
    assert.throws(() => keyedDeliveriesLog(plain), /does not list deliveries by key/);
    assert.throws(() => new DeliveryPipeline({ ...ana(), deliveries: plain }), /does not list deliveries by key/);
    assert.doesNotThrow(() => keyedDeliveriesLog(fileDeliveriesLog(world.folder, 1_000)));
  });

  it('runs/list merges manual runs with runs carried by deliveries, newest first, by stack and limit; deliveries/list keeps the protocol shape', async () => {
    const pipeline = new DeliveryPipeline(ana());
    const manualBefore = await stacks.triggerRun(ana(), { stackId: 'net' });
    clock = new Date('2026-11-25T12:00:01.000Z');
    const delivered = await deliver(pipeline, '{delivery-4}');
    clock = new Date('2026-11-25T12:00:02.000Z');
    const manualAfter = await stacks.triggerRun(ana(), { stackId: 'dns' });

    const all = await listRuns(ana(), {});
    assert.deepEqual(all.map((run) => run.id), [manualAfter.id, ...[...delivered.response.runIds].reverse(), manualBefore.id]);
    const net = await listRuns(ana(), { stackId: 'net' });
    assert.deepEqual(net.map((run) => run.stackId), ['net', 'net']);
    assert.equal(net.at(-1)?.id, manualBefore.id);
    assert.equal((await listRuns(ana(), { limit: 2 })).length, 2);

    const deliveries = await listDeliveries(ana(), {});
    assert.equal(deliveries.length, 1);
    assert.deepEqual(Object.keys(deliveries[0] ?? {}).sort(), ['eventKey', 'headers', 'id', 'integrationId', 'reason', 'receivedAt', 'repository', 'stackIds', 'status', 'verdict']);
  });

  it('a store written before runs moved into deliveries keeps its history and its R16 answers', async () => {
    const oldRun: Run = { id: 'old-run', stackId: 'net', kind: 'tracked', trigger: 'push', branch: pushedBranch, commit: 'abc', deliveryId: '{old}', createdAt: '2026-11-24T10:00:00.000Z' };
    const oldDelivery = {
      id: '{old}', integrationId: 'acme-main', eventKey: 'repo:push', repository: repositoryOf(push).toLowerCase(), verdict: 'queued',
      reason: 'tracked run on net', status: 202, stackIds: ['net'], receivedAt: '2026-11-24T10:00:00.000Z',
    };
    writeFileSync(path.join(world.folder, 'runs.jsonl'), `${JSON.stringify(oldRun)}\n`);
    writeFileSync(path.join(world.folder, 'deliveries.jsonl'), `${JSON.stringify(oldDelivery)}\n`);
    // As the server opens a store: both logs loaded from disk.
    const runs = new AppendLog(path.join(world.folder, 'runs.jsonl'), RunSchema, 1_000);
    const deliveries = fileDeliveriesLog(world.folder, 1_000);
    await Promise.all([runs.load(), deliveries.load()]);
    assert.deepEqual(deliveries.all(), [{ ...oldDelivery, runs: [] }], 'a line without runs loads with none');
    const reopened = { ...ana(), runs, deliveries };

    assert.deepEqual((await listRuns(reopened, {})).map((run) => run.id), ['old-run']);
    assert.deepEqual(await listDeliveries(reopened, {}), [oldDelivery]);
    const retry = await deliver(new DeliveryPipeline(reopened), '{old}', 2);
    assert.equal(retry.status, 200);
    assert.equal(retry.response.duplicate, true);
    assert.equal(deliveries.all().length, 1, 'no second record');
    assert.deepEqual((await listRuns(reopened, {})).map((run) => run.id), ['old-run'], 'no second run');
    await Promise.all([runs.close(), deliveries.close()]);
  });
});
