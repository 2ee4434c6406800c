// R16 across processes: the accepted-delivery index. A claim is a file created O_EXCL holding its
// taker's pid; once the delivery is recorded, the record is written over it through the same
// descriptor. What another attempt sees at each step decides whether it waits, answers a
// duplicate, or takes the delivery over.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AcceptedIndex } from '../../../server/webhooks/acceptedIndex';
import type { StoredDelivery } from '../../../server/webhooks/storedDelivery';

const delivery = (id: string): StoredDelivery => ({
  id,
  integrationId: 'acme-main',
  eventKey: 'repo:push',
  repository: 'acme/net',
  verdict: 'queued',
  reason: 'queued 1 tracked run',
  status: 202,
  stackIds: ['net'],
  receivedAt: '2026-12-01T12:00:00.000Z',
  headers: { 'X-Hub-Signature': 'present' },
  runs: [],
});

describe('webhooks/accepted index (R16)', () => {
  let root: string;
  let folder: string;
  let clock: number;
  const index = () => new AcceptedIndex(folder, () => clock);
  const onlyFile = () => {
    const names = readdirSync(folder);
    assert.equal(names.length, 1, `one file per delivery: ${names.join(', ')}`);
    return path.join(folder, names[0] as string);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'stackhook-accepted-'));
    folder = path.join(root, 'accepted');
    clock = Date.parse('2026-12-01T12:00:00.000Z');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('the first attempt takes the delivery; once done, a later attempt is answered with the record, and nothing but the one file is left', async () => {
    const first = await index().claim('acme-main', 'uuid-1');
    assert.equal(first.kind, 'claimed');
    assert.equal(readFileSync(onlyFile(), 'utf8'), `${process.pid}\n`);
    const claimed = statSync(onlyFile()).ino;
    if (first.kind !== 'claimed') return;
    await first.done(delivery('uuid-1'));
    assert.deepEqual(JSON.parse(readFileSync(onlyFile(), 'utf8')), delivery('uuid-1'));
    // Written over the claim, not a new file renamed over it: one file created per delivery.
    assert.equal(statSync(onlyFile()).ino, claimed);

    const again = await index().claim('acme-main', 'uuid-1');
    assert.equal(again.kind, 'taken');
    if (again.kind === 'taken') assert.equal(again.first?.id, 'uuid-1');
    assert.equal((await index().claim('acme-main', 'uuid-2')).kind, 'claimed', 'another UUID is another delivery');
  });

  it('an abandoned claim is removed, so a retry is taken as new', async () => {
    const first = await index().claim('acme-main', 'uuid-1');
    if (first.kind !== 'claimed') return assert.fail('not claimed');
    await first.abandon();
    assert.deepEqual(readdirSync(folder), []);
    assert.equal((await index().claim('acme-main', 'uuid-1')).kind, 'claimed');
  });

  it('a claim whose record could not be written is not given up: the delivery is in the log, so a retry must not take it as new', async () => {
    const first = await index().claim('acme-main', 'uuid-1');
    if (first.kind !== 'claimed') return assert.fail('not claimed');
    const unwritable = { ...delivery('uuid-1'), status: 10n } as unknown as StoredDelivery; // JSON.stringify throws
    await assert.rejects(first.done(unwritable));
    await first.abandon();
    assert.equal(readFileSync(onlyFile(), 'utf8'), `${process.pid}\n`, 'the claim is still held');
  });

  it('a record cut short (a crash while it was written) reads as pending, and is taken over once ABANDONED_MS has passed', async () => {
    const first = await index().claim('acme-main', 'uuid-1');
    if (first.kind !== 'claimed') return assert.fail('not claimed');
    await first.done(delivery('uuid-1'));
    const file = onlyFile();
    truncateSync(file, 20);

    // Still fresh: another attempt waits for it, up to its limit, and is told it is taken by nobody known.
    const waiting = index().claim('acme-main', 'uuid-1');
    clock += 9_000;
    const seen = await waiting;
    assert.deepEqual(seen, { kind: 'taken', first: null });

    // Its mtime is far in the past once the clock moves a minute on: taken over.
    clock = Date.now() + 61_000;
    assert.equal((await index().claim('acme-main', 'uuid-1')).kind, 'claimed');
  });

  it('a claim held by a process that died is taken over at once', async () => {
    const first = await index().claim('acme-main', 'uuid-1');
    if (first.kind !== 'claimed') return assert.fail('not claimed');
    const file = onlyFile();
    await first.abandon();
    writeFileSync(file, '2147483646\n'); // no such process
    assert.equal((await index().claim('acme-main', 'uuid-1')).kind, 'claimed');
  });

  it('the folder is made again if it is removed under a running server', async () => {
    const accepted = index();
    const first = await accepted.claim('acme-main', 'uuid-1');
    if (first.kind !== 'claimed') return assert.fail('not claimed');
    await first.done(delivery('uuid-1'));
    rmSync(folder, { recursive: true, force: true });
    const next = await accepted.claim('acme-main', 'uuid-2');
    assert.equal(next.kind, 'claimed');
    assert.equal(readdirSync(folder).length, 1);
  });
});
