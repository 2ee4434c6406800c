// A separate process that writes to a store as fast as it can and prints "ack <n>" after each write
// is acknowledged. Tests kill it (SIGKILL) or run two at once to check durability and isolation.
//   node --import tsx test/support/storeWriter.ts <store> <writer name> <count> [registry|runs]
import * as path from 'node:path';
import { QueuedRun } from '../../server/protocol';
import { AppendLog } from '../../server/store/files/appendLog';
import { RegistryStore } from '../../server/store/files/registry';

async function main(): Promise<void> {
  const [folder = '', writer = 'w', countText = '100', target = 'registry'] = process.argv.slice(2);
  const count = Number(countText);
  if (target === 'runs') {
    const log = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000_000);
    await log.load();
    for (let n = 0; n < count; n += 1) {
      await log.append([{ id: `${writer}-${n}`, stackId: 'net', kind: 'tracked', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: new Date().toISOString() }]);
      process.stdout.write(`ack ${n}\n`);
    }
    return;
  }
  const store = await RegistryStore.open(folder, 'ana');
  for (let n = 0; n < count; n += 1) {
    await store.update((draft) => {
      draft.grants.push({ user: `${writer}-${n}`, spaceId: 'root', role: 'read' });
    });
    process.stdout.write(`ack ${n}\n`);
  }
  store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
