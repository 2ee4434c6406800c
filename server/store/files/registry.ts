// The registry file (`<store>/registry.json`): loaded and validated once, re-read only when another
// process has changed it, and changed only under a lock so two processes never lose an update.
import { createHash } from 'node:crypto';
import { promises as fs, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { ChangeTopic } from '../../protocol';
import { describeIssues } from '../../zodIssues';
import { PRIVATE_FILE_MODE, ensurePrivateFolder, writeFileAtomic } from '../atomicFile';
import { withFileLock } from '../fileLock';
import { StoreCorruptError, UnsupportedVersionError, changedTopics, migrate } from '../registryDocument';
import { RegistryState, emptyState } from '../../registry/state';

export const REGISTRY_FILE = 'registry.json';

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

const sameFile = (a: FileIdentity | null, b: Stats): boolean =>
  a !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export class RegistryStore {
  private identity: FileIdentity | null = null;
  /** The registry as last read or written: what a failed change is rolled back to. */
  private text = '';
  private watcher: FSWatcher | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(topics: ChangeTopic[]) => void>();

  private constructor(
    readonly folder: string,
    readonly file: string,
    private current: RegistryState,
  ) {}

  /** Opens the store in `folder`, creating it (with `firstUser` as root admin) when it is new. */
  static async open(folder: string, firstUser: string): Promise<RegistryStore> {
    await ensurePrivateFolder(folder);
    const file = path.join(folder, REGISTRY_FILE);
    const store = new RegistryStore(folder, file, emptyState(firstUser));
    // Reading needs no lock (writes replace the file by rename); creating does, so two processes
    // opening a new store at once agree on who its first user is.
    if (await exists(file)) {
      await store.reload();
    } else {
      await store.withLock(async () => {
        if (await exists(file)) await store.reload();
        else await store.write(store.current);
      });
    }
    return store;
  }

  /** The latest state, re-read first if another process changed the file. Treat it as read-only. */
  async read(): Promise<RegistryState> {
    await this.refreshIfChanged();
    return this.current;
  }

  /** The state as last loaded, without touching the disk. Treat it as read-only. */
  get snapshot(): RegistryState {
    return this.current;
  }

  /**
   * Applies `change` to the latest state and writes it atomically. If `change` throws (or the write
   * fails), the state is restored from the last bytes on disk and the error goes to the caller:
   * validate, then act. Changing in place and restoring only on failure keeps large registries fast.
   */
  update<T>(change: (draft: RegistryState) => T): Promise<T> {
    const run = this.queue.then(() =>
      this.withLock(async () => {
        await this.refreshIfChanged();
        try {
          const result = change(this.current);
          this.current.revision += 1;
          await this.write(this.current);
          return result;
        } catch (error) {
          this.current = JSON.parse(this.text) as RegistryState;
          throw error;
        }
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Calls `listener` with what changed whenever another process rewrites the registry. */
  onExternalChange(listener: (topics: ChangeTopic[]) => void): () => void {
    this.listeners.add(listener);
    this.startWatching();
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
  }

  private startWatching(): void {
    if (this.watcher) return;
    let timer: NodeJS.Timeout | undefined;
    // The file is replaced by rename, so watch the folder rather than the file's old inode.
    this.watcher = watch(this.folder, (_event, name) => {
      if (name !== REGISTRY_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(() => void this.announceExternalChange(), 25);
    });
    this.watcher.on('error', () => undefined);
  }

  private async announceExternalChange(): Promise<void> {
    const before = this.current;
    try {
      await this.refreshIfChanged();
    } catch {
      return; // A half-visible or locked file: the next event or request reads it again.
    }
    const topics = changedTopics(before, this.current);
    if (topics.length > 0) for (const listener of this.listeners) listener(topics);
  }

  private async refreshIfChanged(): Promise<void> {
    // Every request and delivery asks; a synchronous stat answers in microseconds.
    let stats: Stats | null = null;
    try {
      stats = statSync(this.file);
    } catch {
      return;
    }
    if (!sameFile(this.identity, stats)) await this.reload();
  }

  private async reload(): Promise<void> {
    const stats = await fs.stat(this.file);
    const text = await fs.readFile(this.file, 'utf8');
    this.current = await this.parse(text);
    this.text = text;
    this.identity = { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
  }

  private async parse(text: string): Promise<RegistryState> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw await this.corrupt(text, `it is not valid JSON (${(error as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw await this.corrupt(text, 'it does not hold a JSON object');
    let migrated: Record<string, unknown>;
    try {
      migrated = migrate(raw as Record<string, unknown>);
    } catch (error) {
      if (error instanceof UnsupportedVersionError) throw await this.corrupt(text, error.message);
      throw error;
    }
    const parsed = RegistryState.safeParse(migrated);
    if (!parsed.success) {
      throw await this.corrupt(text, `it does not have the shape of a Stackhook registry (${describeIssues(parsed.error, '(top)', 1)})`);
    }
    return parsed.data;
  }

  private async corrupt(text: string, reason: string): Promise<StoreCorruptError> {
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const backup = `${this.file}.unreadable-${digest}`;
    try {
      if (!(await exists(backup))) await fs.writeFile(backup, text, { mode: PRIVATE_FILE_MODE });
      return new StoreCorruptError(this.file, reason, backup);
    } catch {
      return new StoreCorruptError(this.file, reason, null);
    }
  }

  private async write(state: RegistryState): Promise<void> {
    const text = `${JSON.stringify(state)}\n`;
    await writeFileAtomic(this.file, text);
    const stats = await fs.stat(this.file);
    this.current = state;
    this.text = text;
    this.identity = { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
  }

  private withLock<T>(action: () => Promise<T>): Promise<T> {
    return withFileLock(this.file, action);
  }

}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
