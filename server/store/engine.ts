// What every operation, the receiver and the runner use of the store, whichever engine holds it: the
// file store (registryStore.ts, appendLog.ts) or PostgreSQL (postgres/).
import type { z } from 'zod';
import type { ChangeTopic } from '../protocol';
import type { RegistryState } from './schema';

export interface Registry {
  /** Where the registry is, for people: a folder, or a database URL without its password. */
  readonly folder: string;
  /** The state as last read, without a round trip. Treat it as read-only. */
  readonly snapshot: RegistryState;
  /** The latest state. Treat it as read-only. */
  read(): Promise<RegistryState>;
  /** Applies `change` to the latest state atomically; if it throws, nothing is written. */
  update<T>(change: (draft: RegistryState) => T): Promise<T>;
  /** Calls `listener` with what changed whenever another process changes the registry. */
  onExternalChange(listener: (topics: ChangeTopic[]) => void): () => void;
  close(): void;
}

/** An append-only log of records (runs, deliveries, refusals): what is listed was read back from it. */
export interface RecordLog<S extends z.ZodType> {
  /** Names the log in messages (a file path, or the log's name in the database). */
  readonly file: string;
  load(): Promise<void>;
  /** Reads what other processes appended; true when there was something. */
  refresh(): Promise<boolean>;
  all(): readonly z.output<S>[];
  append(records: readonly z.output<S>[]): Promise<void>;
  close(): Promise<void>;
}
