// Opens the file engine: a store in one folder (`--store`, `~/.stackhook` by default) that several
// processes on one machine share, editor windows and `serve` alike. What each file holds and how
// processes take turns with it is in the modules beside this one; this is where they come together
// as one StoreEngine, as openPostgres puts PostgreSQL's together.
import * as path from 'node:path';
import type { Logger } from '../../log';
import { ownerAlive } from '../processIdentity';
import { RUN_EVENTS_SIZE, RunEvent } from '../runEvents';
import { StoredDelivery } from '../storedDelivery';
import { StoredRun } from '../storedRun';
import type { LogSizes, RecordLog, RunClaims, StoreEngine } from '../storeEngine';
import { AppendLog } from './appendLog';
import { FileCredentials } from './credentials';
import { fileDeliveriesLog } from './deliveriesLog';
import { fileDeliveryRecorder } from './deliveryRecorder';
import { watchLogs } from './logWatcher';
import { RegistryStore } from './registry';
import { RunLogFiles } from './runLogs';
import { FileRunPlans } from './runPlans';
import { FileStackLocks } from './stackLocks';
import { FileUserDirectory } from './userDirectory';

export const RUNS_FILE = 'runs.jsonl';
export const REFUSALS_FILE = 'refusals.jsonl';
export const RUN_EVENTS_FILE = 'run-events.jsonl';

export async function openFiles(folder: string, firstUser: string, sizes: LogSizes, log: Logger): Promise<StoreEngine> {
  const registry = await RegistryStore.open(folder, firstUser);
  const runs = new AppendLog(path.join(folder, RUNS_FILE), StoredRun, sizes.runs);
  const deliveries = fileDeliveriesLog(folder, sizes.deliveries);
  const refusals = new AppendLog(path.join(folder, REFUSALS_FILE), StoredDelivery, sizes.refusals);
  await Promise.all([runs.load(), deliveries.load(), refusals.load()]);
  return {
    registry,
    runs,
    deliveries,
    refusals,
    deliveryRecorder: fileDeliveryRecorder(registry, deliveries, (message) => log.warn(message)),
    credentials: new FileCredentials(folder),
    users: new FileUserDirectory(folder),
    runClaims: fileRunClaims(folder),
    stackLocks: new FileStackLocks(path.join(folder, 'locks', 'stacks')),
    runLogs: fileRunLogs(folder, sizes.runLogBytes, runs, deliveries),
    runPlans: new FileRunPlans(path.join(folder, 'run-plans')),
    // Another process on the folder (an editor window, `serve`) appends: its lines are read and announced.
    watchRecords: (changed) => watchLogs(folder, { runs, deliveries, refusals }, changed),
    // Nothing here outlives the process: the logs' handles and the locks (by pid) end with it.
    close: () => Promise.resolve(),
  };
}

/** The run-events log in the folder (loaded with the run book), and whether a process on this machine still runs. */
export function fileRunClaims(folder: string): RunClaims {
  return { events: new AppendLog(path.join(folder, RUN_EVENTS_FILE), RunEvent, RUN_EVENTS_SIZE), ownerAlive };
}

/**
 * Each run's log in `<folder>/run-logs/`. The logs of runs neither log holds any more (read afresh:
 * another process may have queued some) go as new ones come.
 */
export function fileRunLogs(folder: string, cap: number | undefined, runs: RecordLog<typeof StoredRun>, deliveries: RecordLog<typeof StoredDelivery>): RunLogFiles {
  return new RunLogFiles(path.join(folder, 'run-logs'), cap, async () => {
    await Promise.all([runs.refresh(), deliveries.refresh()]);
    const kept = new Set<string>(runs.all().map((run) => run.id));
    for (const delivery of deliveries.all()) for (const run of delivery.runs) kept.add(run.id);
    return (runId) => kept.has(runId);
  });
}
