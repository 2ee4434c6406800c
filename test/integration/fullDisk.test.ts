// A full disk: a tmpfs of a few hundred KB mounted by the test (as root). A delivery whose line does
// not reach the disk completely is answered 503 so that Bitbucket retries it, the partial tail is cut
// back, and the retry is taken as new once there is room again. The filler takes whatever is free;
// once it is gone, the room must hold what the runs of the first delivery write meanwhile (a run log
// each, and every file takes a whole page), or the retry would find the disk full again.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod';
import * as Protocol from '../../server/protocol';
import { AppendLog } from '../../server/store/files/appendLog';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { skipSafetyTest } from '../support/skipping';
import { loadFixture } from '../unit/webhooks/fixtures';
import { deliverFixture, newRequestUuid, recorded, webhookSecret } from './receiverSupport';
import { startServe } from './serveProcess';

/** Fills the filesystem of `folder` until a write fails; returns the filler file. */
function fill(folder: string): string {
  const filler = path.join(folder, 'filler');
  const page = Buffer.alloc(1024, 0x78);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(filler, page, { flag: 'a' });
      size += page.length;
    } catch {
      break;
    }
    if (size > 1024 * 1024) throw new Error('the filesystem did not fill up: is it the tmpfs?');
  }
  return filler;
}

describe('A full disk', function () {
  this.timeout(60_000);
  let mountPoint: string;
  let mounted = false;

  before(function () {
    mountPoint = mkdtempSync(path.join(os.tmpdir(), 'stackhook-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      skipSafetyTest(this, `cannot mount a small tmpfs (${String((error as Error).message).split('\n')[0]}); these tests need root`);
    }
  });
  after(() => {
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('AppendLog: a write that does not fit fails, leaves no partial line, and the next append lands whole', async () => {
    const folder = path.join(mountPoint, 'log');
    mkdirSync(folder);
    const Entry = z.object({ n: z.number(), pad: z.string() });
    const log = new AppendLog(path.join(folder, 'entries.jsonl'), Entry, 1_000);
    await log.load();
    await log.append([{ n: 1, pad: 'a'.repeat(100) }]);
    const filler = fill(mountPoint);
    try {
      // Larger than what is left of the file's last page: only part of it fits.
      await assert.rejects(log.append([{ n: 2, pad: 'b'.repeat(9_000) }]), /ENOSPC|disk/i);
      const afterFailure = readFileSync(log.file, 'utf8');
      assert.ok(afterFailure.endsWith('\n'), 'no partial line is left at the end');
      assert.equal(afterFailure.split('\n').filter(Boolean).length, 1);
    } finally {
      rmSync(filler);
    }
    await log.append([{ n: 3, pad: 'c' }]);
    const lines = readFileSync(log.file, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as { n: number }).n), [1, 3]);
    assert.deepEqual(log.all().map((entry) => entry.n), [1, 3]);
    await log.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('the receiver answers 503 while the disk is full, and takes the retry as new once there is room', async () => {
    const store = path.join(mountPoint, 'store');
    let editor: ServerHandle | undefined;
    const serve = { handle: undefined as Awaited<ReturnType<typeof startServe>> | undefined };
    try {
      editor = await startServer({ store, args: ['--public-url', 'https://hooks.example.com'] });
      await editor.request(Protocol.IntegrationsCreate, { name: 'Acme', type: 'default', username: 'ana@example.com', secret: 'ATATT-full-disk', verify: false });
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
        await editor.request(Protocol.StacksCreate, { name: `stack-${name}`, spaceId: 'root', integrationId: 'acme', repository: 'cloudbeers/temp', branch: 'main', verify: false });
      }
      const secret = await webhookSecret(editor, 'acme');
      const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
      serve.handle = await startServe(store);
      const first = await deliverFixture(serve.handle.url, 'acme', push, secret);
      assert.equal(first.status, 202);

      const filler = fill(mountPoint);
      const requestUuid = newRequestUuid();
      let refused;
      try {
        refused = await deliverFixture(serve.handle.url, 'acme', push, secret, { requestUuid });
      } finally {
        rmSync(filler);
      }
      assert.equal(refused.status, 503, JSON.stringify(refused.json));

      const retry = await deliverFixture(serve.handle.url, 'acme', push, secret, { requestUuid, attempt: 2 });
      assert.equal(retry.status, 202, JSON.stringify(retry.json));
      assert.notEqual(retry.json.duplicate, true);
      const seen = await recorded(editor);
      assert.equal(seen.runs.filter((run) => run.deliveryId === requestUuid).length, 6);
      // Every line of the log is whole.
      for (const line of readFileSync(path.join(store, 'deliveries.jsonl'), 'utf8').split('\n').filter(Boolean)) JSON.parse(line);
    } finally {
      await serve.handle?.stop();
      await editor?.stop();
    }
  });
});
