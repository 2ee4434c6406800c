// Runs and deliveries can be appended by another process on the same store: the headless `serve`
// receiver, or the editor window that holds the listener port. This module lets an editor process
// see those appends: it watches the log files and tells the editor which views to refresh. A
// delivery's line carries the runs it queued, so new deliveries with runs refresh the runs view too.
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { ChangeTopic } from '../../protocol';
import type { RecordLog } from '../storeEngine';

export interface WatchedLogs {
  runs: RecordLog<z.ZodType>;
  deliveries: RecordLog<z.ZodType>;
  /** Refusals for unknown or deleted integrations: shown with the deliveries. */
  refusals?: RecordLog<z.ZodType>;
}

const SETTLE_MS = 30;
const WATCHED = ['runs', 'deliveries', 'refusals'] as const;
type Watched = (typeof WATCHED)[number];
/** fs.watch misses events on some file systems (network shares); a slow poll covers them. */
const POLL_MS = 5_000;

/** Runs that new deliveries carry (lines of the deliveries log with a non-empty `runs`). */
function carriesRuns(entry: unknown): boolean {
  const runs = (entry as { runs?: unknown } | null)?.runs;
  return Array.isArray(runs) && runs.length > 0;
}

/** Calls `changed` with `runs` / `deliveries` when another process appends to those logs. Returns a stop function. */
export function watchLogs(folder: string, logs: WatchedLogs, changed: (topics: ChangeTopic[]) => void): () => void {
  const refusals = logs.refusals ?? logs.deliveries;
  const topics: Record<Watched, { log: RecordLog<z.ZodType>; file: string; timer?: NodeJS.Timeout }> = {
    runs: { log: logs.runs, file: path.basename(logs.runs.file) },
    deliveries: { log: logs.deliveries, file: path.basename(logs.deliveries.file) },
    refusals: { log: refusals, file: path.basename(refusals.file) },
  };
  let stopped = false;

  const look = (topic: Watched, delay: number) => {
    const entry = topics[topic];
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      // This process's own appends are read back as they are written, so only others' show up here.
      const before = entry.log.all();
      const seen = before.length;
      void entry.log.refresh().then(
        (added) => {
          if (stopped || !added) return;
          if (topic === 'runs') return changed(['runs']);
          if (topic === 'refusals') return changed(['deliveries']);
          // A reload after another process rotated the log gives a new array: look at all of it then.
          const after = entry.log.all();
          const fresh = after === before ? after.slice(seen) : after;
          changed(fresh.some(carriesRuns) ? ['deliveries', 'runs'] : ['deliveries']);
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
      for (const topic of WATCHED) if (name === topics[topic].file || name === `${topics[topic].file}.1`) look(topic, SETTLE_MS);
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined; // The poll below still notices appends.
  }
  const poll = setInterval(() => {
    for (const topic of WATCHED) look(topic, 0);
  }, POLL_MS);
  poll.unref();

  return () => {
    stopped = true;
    watcher?.close();
    clearInterval(poll);
    for (const entry of Object.values(topics)) clearTimeout(entry.timer);
  };
}
