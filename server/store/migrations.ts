// Brings a registry file written by an older Stackhook up to the current schema, one version at a
// time. A file from a newer Stackhook is refused rather than rewritten in a shape it does not know.
import { SCHEMA_VERSION } from '../registry/state';

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
