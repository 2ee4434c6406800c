// The store under crashes and concurrent writers, with real processes.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { QueuedRun } from '../../server/protocol';
import { AppendLog } from '../../server/store/files/appendLog';
import { RegistryStore } from '../../server/store/files/registry';
import { SERVER_JS, tempStore } from '../support/serverProcess';

const WRITER = path.resolve(__dirname, '../support/storeWriter.ts');

interface Writer {
  acks: number[];
  done: Promise<number | null>;
  kill(): void;
}

function startWriter(store: string, name: string, count: number, target: 'registry' | 'runs' = 'registry'): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, store, name, String(count), target], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: number[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('ack ')) acks.push(Number(line.slice(4)));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { acks, done, kill: () => child.kill('SIGKILL') };
}

async function untilAcks(writer: Writer, n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (writer.acks.length < n) {
    if (Date.now() > deadline) throw new Error(`writer acknowledged only ${writer.acks.length} writes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('store durability (separate processes)', function () {
  this.timeout(60_000);

  it('a process killed (SIGKILL) in the middle of registry writes leaves a loadable store with every acknowledged write', async () => {
    const folder = tempStore();
    for (const round of [0, 1]) {
      const writer = startWriter(folder, `round${round}`, 100_000);
      await untilAcks(writer, 20 + round * 7);
      writer.kill();
      await writer.done;
      const store = await RegistryStore.open(folder, 'ana');
      const users = new Set((await store.read()).grants.map((grant) => grant.user));
      store.close();
      for (const n of writer.acks) assert.ok(users.has(`round${round}-${n}`), `acknowledged write round${round}-${n} survived`);
    }
  });

  it('a process killed (SIGKILL) in the middle of log appends loses no acknowledged run and leaves the log appendable', async () => {
    const folder = tempStore();
    const writer = startWriter(folder, 'runs', 100_000, 'runs');
    await untilAcks(writer, 40);
    writer.kill();
    await writer.done;
    const log = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000_000);
    await log.load();
    const ids = new Set(log.all().map((run) => run.id));
    for (const n of writer.acks) assert.ok(ids.has(`runs-${n}`));
    await log.append([{ id: 'after-crash', stackId: 'net', kind: 'tracked', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: new Date().toISOString() }]);
    const reread = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000_000);
    await reread.load();
    assert.equal(reread.all().at(-1)?.id, 'after-crash');
  });

  it('two processes writing to one store at once lose nothing', async () => {
    const folder = tempStore();
    (await RegistryStore.open(folder, 'ana')).close();
    const a = startWriter(folder, 'a', 60);
    const b = startWriter(folder, 'b', 60);
    assert.deepEqual(await Promise.all([a.done, b.done]), [0, 0]);
    const store = await RegistryStore.open(folder, 'ana');
    const users = (await store.read()).grants.map((grant) => grant.user);
    store.close();
    for (const name of ['a', 'b']) for (let n = 0; n < 60; n += 1) assert.ok(users.includes(`${name}-${n}`), `${name}-${n}`);
    assert.equal(users.length, 121);
  });

  it('a corrupt registry file makes the server refuse to start, naming the file, and keeps a copy', async () => {
    const folder = tempStore();
    const file = path.join(folder, 'registry.json');
    writeFileSync(file, '{"schemaVersion":1,"revision":3,"spaces":[', { mode: 0o600 });
    const child = spawn(process.execPath, [SERVER_JS, '--stdio', '--store', folder, '--user', 'ana'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`cannot read its store file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is not valid JSON`));
    const backup = /a copy is at (\S+)\. Fix/.exec(stderr)?.[1];
    assert.ok(backup, stderr);
    assert.equal(readFileSync(backup, 'utf8'), '{"schemaVersion":1,"revision":3,"spaces":[');
    assert.equal(readFileSync(file, 'utf8'), '{"schemaVersion":1,"revision":3,"spaces":[', 'the corrupt file is left as it was');
  });
});
