import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { changedTopics, migrate, StoreCorruptError, UnsupportedVersionError } from '../../../server/store/registryDocument';
import { RegistryStore } from '../../../server/store/files/registry';
import { emptyState } from '../../../server/registry/state';
import { tempStore } from '../../support/serverProcess';

async function openError(folder: string): Promise<StoreCorruptError> {
  try {
    (await RegistryStore.open(folder, 'ana')).close();
  } catch (error) {
    if (error instanceof StoreCorruptError) return error;
    throw error;
  }
  throw new Error('expected the store to refuse the file');
}

describe('store/registryStore', () => {
  it('a new store has the root space and its first user as root admin', async () => {
    const store = await RegistryStore.open(tempStore(), 'ana');
    const state = await store.read();
    assert.deepEqual(state.spaces, [{ id: 'root', name: 'root', parentId: null, inheritEntities: true }]);
    assert.deepEqual(state.grants, [{ user: 'ana', spaceId: 'root', role: 'admin' }]);
    store.close();
    const again = await RegistryStore.open(store.folder, 'bo');
    assert.deepEqual((await again.read()).grants, [{ user: 'ana', spaceId: 'root', role: 'admin' }], 'only the first user of a new store');
    again.close();
  });

  it('a change that throws writes nothing (validate, then act)', async () => {
    const store = await RegistryStore.open(tempStore(), 'ana');
    const before = readFileSync(store.file, 'utf8');
    await assert.rejects(store.update((draft) => {
      draft.grants.push({ user: 'bo', spaceId: 'root', role: 'admin' });
      throw new Error('refused');
    }), /refused/);
    assert.equal(readFileSync(store.file, 'utf8'), before);
    assert.equal((await store.read()).grants.length, 1);
    store.close();
  });

  it('writes leave no temporary files behind and bump the revision', async () => {
    const store = await RegistryStore.open(tempStore(), 'ana');
    for (let i = 0; i < 5; i += 1) await store.update((draft) => void draft.grants.push({ user: `u${i}`, spaceId: 'root', role: 'read' }));
    assert.equal((await store.read()).revision, 5);
    assert.deepEqual(readdirSync(store.folder).filter((name) => name.endsWith('.tmp')), []);
    store.close();
  });

  it('a file of the wrong shape is refused with the field named, and kept as it was', async () => {
    const folder = tempStore();
    const file = path.join(folder, 'registry.json');
    const text = JSON.stringify({ ...emptyState('ana'), stacks: [{ id: 'x' }] });
    writeFileSync(file, text);
    const error = await openError(folder);
    assert.match(error.message, /does not have the shape of a Stackhook registry \(stacks\.0\.name/);
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(error.backup && readFileSync(error.backup, 'utf8'), text);
  });

  it('a file written by a newer Stackhook is refused rather than rewritten', async () => {
    const folder = tempStore();
    writeFileSync(path.join(folder, 'registry.json'), JSON.stringify({ ...emptyState('ana'), schemaVersion: 99 }));
    assert.match((await openError(folder)).message, /written by a newer Stackhook \(schema 99; this one reads up to 1\)/);
  });

  it('migrations run one version at a time up to the current schema', () => {
    const migrations = {
      1: (raw: Record<string, unknown>) => ({ ...raw, renamed: raw.old, old: undefined }),
      2: (raw: Record<string, unknown>) => ({ ...raw, added: true }),
    };
    assert.deepEqual(migrate({ schemaVersion: 1, old: 'x' }, migrations, 3), { schemaVersion: 3, renamed: 'x', old: undefined, added: true });
    assert.throws(() => migrate({ schemaVersion: 0 }, migrations, 3), UnsupportedVersionError);
    assert.throws(() => migrate({}, migrations, 3), /no schemaVersion/);
  });

  it('another process\'s change is announced with the topics it touched, and seen by the next read', async () => {
    const folder = tempStore();
    const mine = await RegistryStore.open(folder, 'ana');
    const theirs = await RegistryStore.open(folder, 'ana');
    const announced: string[][] = [];
    mine.onExternalChange((topics) => announced.push(topics));
    await theirs.update((draft) => void draft.grants.push({ user: 'bo', spaceId: 'root', role: 'read' }));
    const deadline = Date.now() + 3_000;
    while (announced.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(announced, [['spaces', 'integrations']]);
    await theirs.update((draft) => void draft.stacks.push({ id: 's', name: 's', spaceId: 'root', integrationId: null, detachedFrom: null, repository: 'a/b', branch: 'main', projectRoot: '', createdAt: '' }));
    assert.equal((await mine.read()).stacks.length, 1);
    mine.close();
    theirs.close();
  });

  it('changedTopics names only the sections that differ', () => {
    const before = emptyState('ana');
    const after = structuredClone(before);
    after.stacks.push({ id: 's', name: 's', spaceId: 'root', integrationId: null, detachedFrom: null, repository: 'a/b', branch: 'main', projectRoot: '', createdAt: '' });
    assert.deepEqual(changedTopics(before, after), ['stacks']);
    assert.deepEqual(changedTopics(before, before), []);
  });
});
