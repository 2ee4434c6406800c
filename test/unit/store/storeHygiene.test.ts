// What opening a store puts right, and a lock left by a dead process.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseServerArgs } from '../../../server/cli';
import { Logger } from '../../../server/log';
import { FileCredentials } from '../../../server/store/files/credentials';
import { openContext } from '../../../server/startup';
import { RegistryStore } from '../../../server/store/files/registry';
import { tempStore } from '../../support/serverProcess';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function open(folder: string) {
  const lines: string[] = [];
  const context = await openContext(parseServerArgs(['--stdio', '--store', folder, '--user', 'ana']), new Logger((level, line) => lines.push(`${level} ${line}`)), () => undefined);
  return { context, lines };
}

describe('store hygiene', () => {
  it('a store folder and files others can read are made private again, with a warning', async () => {
    const folder = tempStore();
    (await RegistryStore.open(folder, 'ana')).close();
    chmodSync(folder, 0o755);
    chmodSync(path.join(folder, 'registry.json'), 0o644);
    const { context, lines } = await open(folder);
    context.store.close();
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(folder, 'registry.json')).mode & 0o777, 0o600);
    assert.ok(lines.some((line) => line.startsWith('warn') && /registry\.json was readable by others \(mode 0644\)/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /store folder .* \(mode 0755\)/.test(line)));
  });

  it('temporary files of writes whose writer died are removed; a live writer\'s are kept', async () => {
    const folder = tempStore();
    const orphan = path.join(folder, `.credentials.json.${deadPid()}.0123abcd.tmp`);
    const live = path.join(folder, `.registry.json.${process.pid}.89abcdef.tmp`);
    writeFileSync(orphan, '{"stackhook.integration.x.credential":"ATATT-orphan"}', { mode: 0o600 });
    writeFileSync(live, '{}', { mode: 0o600 });
    const { context } = await open(folder);
    context.store.close();
    assert.equal(existsSync(orphan), false);
    assert.equal(existsSync(live), true);
  });

  it('a symlinked credentials.json is neither read nor replaced', async () => {
    const folder = tempStore();
    const target = path.join(tempStore(), 'elsewhere.json');
    writeFileSync(target, '{"stackhook.integration.old.credential":"ATATT-old-secret"}', { mode: 0o644 });
    symlinkSync(target, path.join(folder, 'credentials.json'));
    const credentials = new FileCredentials(folder);
    await assert.rejects(credentials.set('old', null), /not a regular file/);
    await assert.rejects(credentials.get('old'), /not a regular file/);
    assert.match(readFileSync(target, 'utf8'), /ATATT-old-secret/, 'the target is untouched');
  });

  it('a lock left by a process that died is taken over at once', async () => {
    const folder = tempStore();
    const store = await RegistryStore.open(folder, 'ana');
    try {
      const lock = path.join(folder, 'registry.json.lock');
      mkdirSync(lock);
      writeFileSync(`${lock}-owner`, `${deadPid()}\n`);
      const started = Date.now();
      await store.update((draft) => void (draft.revision += 0));
      const took = Date.now() - started;
      assert.ok(took < 1_500, `the first write waited ${took} ms for a dead holder's lock`);
      assert.equal(existsSync(lock), false, 'the lock is released after the write');
    } finally {
      store.close();
    }
  });
});
