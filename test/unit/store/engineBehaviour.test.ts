import { rmSync } from 'node:fs';
import { RunLogFiles } from '../../../server/store/files/runLogs';
import { FileRunPlans } from '../../../server/store/files/runPlans';
import { AppendLog } from '../../../server/store/files/appendLog';
import { RegistryStore } from '../../../server/store/files/registry';
import { tempStore } from '../../support/serverProcess';
import { Entry, RUN_LOG_CAP, RUN_PLANS_KEPT_IN_TESTS, storeBehaviour } from '../../support/storeBehaviour';

const folders = new Map<object, string>();

storeBehaviour(
  'file store',
  async () => {
    const folder = tempStore('stackhook-engine-');
    const registries = [await RegistryStore.open(folder, 'ana'), await RegistryStore.open(folder, 'ana')] as const;
    const logs = [new AppendLog(`${folder}/entries.jsonl`, Entry, 1_000), new AppendLog(`${folder}/entries.jsonl`, Entry, 1_000)] as const;
    await Promise.all(logs.map((log) => log.load()));
    // Two processes on one store: each its own handle on the run logs' folder.
    const runLogs: [RunLogFiles, RunLogFiles] = [new RunLogFiles(`${folder}/run-logs`, RUN_LOG_CAP), new RunLogFiles(`${folder}/run-logs`, RUN_LOG_CAP)];
    const runPlans: [FileRunPlans, FileRunPlans] = [new FileRunPlans(`${folder}/run-plans`, RUN_PLANS_KEPT_IN_TESTS), new FileRunPlans(`${folder}/run-plans`, RUN_PLANS_KEPT_IN_TESTS)];
    const handles = { registries: [...registries] as [RegistryStore, RegistryStore], logs: [...logs] as [AppendLog<typeof Entry>, AppendLog<typeof Entry>], runLogs, runPlans };
    folders.set(handles, folder);
    return handles;
  },
  async (handles) => {
    for (const registry of handles.registries) registry.close();
    await Promise.all(handles.logs.map((log) => log.close()));
    await Promise.all(handles.runLogs.map((logs) => logs.close()));
    rmSync(folders.get(handles) as string, { recursive: true, force: true });
  },
);
