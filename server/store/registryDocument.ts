// The registry document as both engines keep it (the file engine's registry.json, PostgreSQL's
// registry row). One written by an older Stackhook is brought up to the current schema, one version
// at a time; one from a newer Stackhook is refused rather than rewritten in a shape it does not know,
// and one that cannot be read stops the server with what to do. Which views another process's write
// affects is told by comparing two states.
import type { ChangeTopic } from '../protocol';
import { SCHEMA_VERSION, type RegistryState } from '../registry/state';

export type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;

/** `MIGRATIONS[n]` turns a version-n file into a version-(n+1) one. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

export class UnsupportedVersionError extends Error {}

export function migrate(
  raw: Record<string, unknown>,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
  target: number = SCHEMA_VERSION,
): Record<string, unknown> {
  let version = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : NaN;
  if (!Number.isInteger(version)) throw new UnsupportedVersionError('it has no schemaVersion');
  if (version > target) {
    throw new UnsupportedVersionError(`it was written by a newer Stackhook (schema ${version}; this one reads up to ${target}). Update Stackhook`);
  }
  let current = raw;
  while (version < target) {
    const step = migrations[version];
    if (!step) throw new UnsupportedVersionError(`no migration from schema ${version} exists`);
    current = { ...step(current), schemaVersion: version + 1 };
    version += 1;
  }
  return current;
}

export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly backup: string | null,
  ) {
    super(
      `Stackhook cannot read its store file ${file}: ${reason}. It was left as it is and nothing was written` +
        (backup ? `; a copy is at ${backup}` : '') +
        '. Fix or restore the file (or move it away to start with an empty store), then start Stackhook again.',
    );
    this.name = 'StoreCorruptError';
  }
}

/** Which views another process's write affects, so the editor refreshes only those. */
export function changedTopics(before: RegistryState, after: RegistryState): ChangeTopic[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const topics: ChangeTopic[] = [];
  if (differs(before.spaces, after.spaces) || differs(before.grants, after.grants)) topics.push('spaces');
  if (differs(before.integrations, after.integrations) || differs(before.grants, after.grants)) topics.push('integrations');
  if (differs(before.stacks, after.stacks)) topics.push('stacks');
  if (differs(before.policies, after.policies)) topics.push('policies');
  return topics;
}
