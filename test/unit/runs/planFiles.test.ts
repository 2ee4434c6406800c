// A plan file and a plan document can hold every secret of a plan: they are 0600; on a team server
// sealed with the secret key (bound to their run: one moved to another run's place does not open,
// one changed does not open); opened again byte for byte; and swept once older than 24 h.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { text } from 'node:stream/consumers';
import { isSealedFile, openProtected, PLAN_FILE, PLAN_KEPT_MS, planDocumentOf, protectFile, sweepPlanFiles, unprotectTo } from '../../../server/runs/planFiles';

const PLAIN = `PK\u0003\u0004 a plan with the password hunter2-plan-secret ${'x'.repeat(100_000)}`;

describe('plan files and plan documents', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(path.join(tmpdir(), 'stackhook-plan-files-'))));

  it('without a key: 0600, left as they are, and read back as they are', async () => {
    const file = path.join(folder, PLAN_FILE);
    writeFileSync(file, PLAIN, { mode: 0o644 });
    await protectFile(file, null, 'plan:run-1');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await isSealedFile(file), false);
    assert.equal(await text(await openProtected(file, null, 'plan:run-1')), PLAIN);
  });

  it('with a key: sealed (no plain byte of it is left), 0600, opened byte for byte for its own run only', async () => {
    const key = randomBytes(32);
    const file = path.join(folder, PLAN_FILE);
    writeFileSync(file, PLAIN, { mode: 0o644 });
    await protectFile(file, key, 'plan:run-1');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file, 'latin1').includes('hunter2-plan-secret'), 'the secret is not in the sealed file');
    assert.equal(await isSealedFile(file), true);
    const opened = path.join(folder, 'opened.tfplan');
    await unprotectTo(file, key, 'plan:run-1', opened);
    assert.equal(readFileSync(opened, 'utf8'), PLAIN);
    assert.equal(statSync(opened).mode & 0o777, 0o600);
    // Another run's label, another key, or a changed byte: it does not open.
    await assert.rejects(text(await openProtected(file, key, 'plan:run-2')));
    await assert.rejects(text(await openProtected(file, randomBytes(32), 'plan:run-1')));
    const bytes = readFileSync(file);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
    writeFileSync(file, bytes);
    await assert.rejects(unprotectTo(file, key, 'plan:run-1', path.join(folder, 'changed.tfplan')));
    assert.equal(existsSync(path.join(folder, 'changed.tfplan')), false, 'nothing is left of a plan that did not open');
    await assert.rejects(openProtected(file, null, 'plan:run-1'), /sealed and this server has no secret key/);
  });

  it('the sweeper removes plan files and documents older than 24 h, and nothing newer', async () => {
    const now = new Date();
    const old = (now.getTime() - PLAN_KEPT_MS - 60_000) / 1000;
    const document = planDocumentOf(folder, 'run-old');
    const fresh = planDocumentOf(folder, 'run-new');
    const leftover = path.join(folder, 'checkouts', 'runs', 'run-old-abc', 'tmp', PLAN_FILE);
    const other = path.join(folder, 'checkouts', 'runs', 'run-old-abc', 'tmp', 'notes.txt');
    for (const file of [document, fresh, leftover, other]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'plan');
    }
    for (const file of [document, leftover, other]) utimesSync(file, old, old);
    assert.equal(await sweepPlanFiles(folder, now), 2);
    assert.deepEqual([document, fresh, leftover, other].map((file) => existsSync(file)), [false, true, false, true]);
  });
});
