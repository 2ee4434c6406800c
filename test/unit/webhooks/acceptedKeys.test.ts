// R16 past the deliveries log: the keys of accepted deliveries, kept a week or two in two
// generations of `<store>/accepted-keys`, read by every process on the store.
import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { AcceptedKeys, acceptedKey } from '../../../server/store/files/acceptedKeys';
import { DELIVERY_KEY_RETENTION_MS as RETENTION_MS } from '../../../server/store/storedDelivery';
import { tempStore } from '../../support/serverProcess';

const DAY = 24 * 60 * 60 * 1000;

describe('webhooks/accepted keys (R16)', () => {
  let store: string;
  let clock: number;
  let warnings: string[];
  const keys = () => new AcceptedKeys(store, (message) => warnings.push(message), () => clock);
  const file = () => path.join(store, 'accepted-keys');

  beforeEach(() => {
    store = tempStore('stackhook-accepted-keys-');
    clock = Date.parse('2026-12-01T12:00:00.000Z');
    warnings = [];
  });

  it('remembers a delivery with when and how it was taken, on disk, for another process too', () => {
    const mine = keys();
    const theirs = keys();
    assert.equal(theirs.accepted(acceptedKey('acme-main', '{a}')), null);
    mine.add(acceptedKey('acme-main', '{a}'), new Date(clock), 'queued');
    assert.deepEqual(mine.accepted(acceptedKey('acme-main', '{a}')), { at: new Date(clock), verdict: 'queued' });
    mine.flush();
    assert.match(readFileSync(file(), 'utf8'), /^[0-9a-f]{40} \d+ queued\n$/);
    // Another process reads new keys at most once a second: its recent deliveries are in the log meanwhile.
    assert.equal(theirs.accepted(acceptedKey('acme-main', '{a}')), null);
    clock += 1_000;
    assert.deepEqual(theirs.accepted(acceptedKey('acme-main', '{a}')), { at: new Date(clock - 1_000), verdict: 'queued' });
    assert.equal(theirs.accepted(acceptedKey('other-integration', '{a}')), null, 'a key is the integration and the UUID');
    assert.equal(keys().accepted(acceptedKey('acme-main', '{a}'))?.verdict, 'queued', 'a process started later loads it');
    assert.deepEqual(warnings, []);
  });

  it('writes the keys added in one turn of the event loop together', async () => {
    const mine = keys();
    for (let n = 0; n < 20; n += 1) mine.add(acceptedKey('acme-main', `{${n}}`), new Date(clock), 'ignored');
    assert.equal(existsSync(file()), false, 'nothing written yet');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(readFileSync(file(), 'utf8').split('\n').filter(Boolean).length, 20);
  });

  it('turns a week-old file into the older generation, and forgets keys after one to two weeks', () => {
    const mine = keys();
    mine.add(acceptedKey('acme-main', '{old}'), new Date(clock), 'queued');
    mine.flush();
    clock += RETENTION_MS + DAY;
    mine.add(acceptedKey('acme-main', '{newer}'), new Date(clock), 'queued');
    mine.flush();
    assert.ok(existsSync(`${file()}.1`), 'rotated');
    assert.ok(keys().accepted(acceptedKey('acme-main', '{old}')), 'the older generation is still read');
    clock += RETENTION_MS + DAY;
    mine.add(acceptedKey('acme-main', '{newest}'), new Date(clock), 'queued');
    mine.flush();
    assert.equal(mine.accepted(acceptedKey('acme-main', '{old}')), null, 'forgotten by the process that rotated');
    assert.equal(keys().accepted(acceptedKey('acme-main', '{old}')), null, 'and by one that starts now');
    assert.ok(keys().accepted(acceptedKey('acme-main', '{newer}')));
    assert.ok(keys().accepted(acceptedKey('acme-main', '{newest}')));
  });

  it('reads again from the top when another process rotated the file', () => {
    const mine = keys();
    const theirs = keys();
    theirs.add(acceptedKey('acme-main', '{before}'), new Date(clock), 'queued');
    theirs.flush();
    clock += 1_000;
    assert.ok(mine.accepted(acceptedKey('acme-main', '{before}')));
    clock += RETENTION_MS + DAY;
    theirs.add(acceptedKey('acme-main', '{after}'), new Date(clock), 'queued');
    theirs.flush();
    assert.ok(mine.accepted(acceptedKey('acme-main', '{after}')));
    assert.ok(mine.accepted(acceptedKey('acme-main', '{before}')), 'the rotated generation is kept');
  });

  it('skips lines it cannot read, and a line cut short by a crash', () => {
    const mine = keys();
    mine.add(acceptedKey('acme-main', '{a}'), new Date(clock), 'queued');
    mine.flush();
    appendFileSync(file(), 'not a key line\n0123456789abcdef0123456789abcdef01234567 12 no-such-verdict\n0123');
    const fresh = keys();
    assert.ok(fresh.accepted(acceptedKey('acme-main', '{a}')));
    fresh.add(acceptedKey('acme-main', '{b}'), new Date(clock), 'invalid');
    fresh.flush();
    assert.ok(keys().accepted(acceptedKey('acme-main', '{b}')), 'written on a line of its own after the cut-short one');
    assert.deepEqual(warnings, []);
  });

  it('says so, and throws nothing, when the keys cannot be written', () => {
    const mine = keys();
    rmSync(store, { recursive: true, force: true });
    mine.add(acceptedKey('acme-main', '{a}'), new Date(clock), 'queued');
    assert.doesNotThrow(() => mine.flush());
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /could not note accepted deliveries in .*accepted-keys: ENOENT/);
  });
});
