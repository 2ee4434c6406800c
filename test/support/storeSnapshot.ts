// What a store folder holds, file by file: taken before and after a request that must change nothing
// (bad input is refused before anything is written), and compared whole, so a write to any file shows.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type StoreSnapshot = ReadonlyMap<string, string>;

/** Every file under `folder` by its relative path, with its content. */
export function storeSnapshot(folder: string): StoreSnapshot {
  const files = new Map<string, string>();
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(folder, file), readFileSync(file, 'latin1'));
  }
  return files;
}

/** Fails naming the files that were added, removed or changed since `before`. */
export function assertStoreUnchanged(folder: string, before: StoreSnapshot, what: string): void {
  const after = storeSnapshot(folder);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed = names.filter((name) => before.get(name) !== after.get(name));
  assert.deepEqual(changed, [], `${what} changed the store`);
}
