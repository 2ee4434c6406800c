// Runs and deliveries can be appended by another process on the same store: the headless `serve`
// receiver, or the editor window that holds the listener port. This module lets an editor process
// see those appends: it watches the log files and tells the editor which views to refresh.
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { ChangeTopic } from '../protocol';
import { AppendLog } from './appendLog';

/**
 * An AppendLog that never reads its own in-flight appends back. `AppendLog.refresh()` reads what the
 * file holds past the offset it last wrote; while one of this process's writes is on its way, that
 * range holds records already in memory, and reading them again would list them twice. So a refresh
 * during a write does not read (it reports `busy`, and the next look catches up), and an append made
 * during a refresh starts after it.
 */
export class SharedAppendLog<S extends z.ZodType> extends AppendLog<S> {
  private writes = 0;
  private refreshing: Promise<boolean> | null = null;

  override append(records: readonly z.output<S>[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.writes += 1;
    const written = this.refreshing ? this.refreshing.catch(() => false).then(() => super.append(records)) : super.append(records);
    return written.finally(() => {
      this.writes -= 1;
    });
  }

  override refresh(): Promise<boolean> {
    return this.refreshIfIdle().then((result) => result === true);
  }

  /** `busy` when this process is writing to the log: look again once the write is done. */
  refreshIfIdle(): Promise<boolean | 'busy'> {
    if (this.writes > 0) return Promise.resolve('busy');
    this.refreshing ??= super.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }
}

export interface WatchedLogs {
  runs: SharedAppendLog<z.ZodType>;
  deliveries: SharedAppendLog<z.ZodType>;
}

const SETTLE_MS = 30;
const BUSY_RETRY_MS = 100;
/** fs.watch misses events on some file systems (network shares); a slow poll covers them. */
const POLL_MS = 5_000;

/** Calls `changed` with `runs` / `deliveries` when another process appends to those logs. Returns a stop function. */
export function watchLogs(folder: string, logs: WatchedLogs, changed: (topics: ChangeTopic[]) => void): () => void {
  const topics: Record<'runs' | 'deliveries', { log: SharedAppendLog<z.ZodType>; file: string; timer?: NodeJS.Timeout }> = {
    runs: { log: logs.runs, file: path.basename(logs.runs.file) },
    deliveries: { log: logs.deliveries, file: path.basename(logs.deliveries.file) },
  };
  let stopped = false;

  const look = (topic: 'runs' | 'deliveries', delay: number) => {
    const entry = topics[topic];
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      void entry.log.refreshIfIdle().then(
        (result) => {
          if (stopped) return;
          if (result === 'busy') look(topic, BUSY_RETRY_MS);
          else if (result) changed([topic]);
        },
        () => undefined, // A log mid-rotation by another process: the next event or poll reads it.
      );
    }, delay);
    entry.timer.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(folder, (_event, name) => {
      if (!name) return;
      // `<log>.1` changes when another process rotates the log.
      for (const topic of ['runs', 'deliveries'] as const) if (name === topics[topic].file || name === `${topics[topic].file}.1`) look(topic, SETTLE_MS);
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined; // The poll below still notices appends.
  }
  const poll = setInterval(() => {
    look('runs', 0);
    look('deliveries', 0);
  }, POLL_MS);
  poll.unref();

  return () => {
    stopped = true;
    watcher?.close();
    clearInterval(poll);
    for (const entry of Object.values(topics)) clearTimeout(entry.timer);
  };
}
