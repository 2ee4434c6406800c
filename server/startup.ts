// Builds the server's context from its options: the store, the logs, credentials and Bitbucket.
import * as path from 'node:path';
import { deferredGateway } from './bitbucket/lazyGateway';
import { bitbucketWebBase } from './bitbucket/webLinks';
import type { ServerOptions } from './cli';
import type { ServerContext } from './context';
import type { Logger } from './log';
import { registerSecret } from './log';
import { QueuedRun, type ChangeTopic } from './protocol';
import { ClientCredentials, type AskClient } from './secrets/clientCredentials';
import type { CredentialStore } from './secrets/credentialStore';
import { FileCredentials } from './secrets/fileCredentials';
import { AppendLog } from './store/appendLog';
import { RegistryStore } from './store/registryStore';
import { removeOrphanTemps, tightenModes } from './store/storeHygiene';
import { RunEngine } from './runs/engine';
import { RunBook } from './runs/runBook';
import { runSettingsFromEnv } from './runs/settings';
import { StoredDelivery } from './webhooks/storedDelivery';
import { version } from '../package.json';

/** Manual runs only: runs queued by deliveries live (and rotate) with their delivery. */
export const RUN_LOG_SIZE = 10_000;
/** Refusals for unknown or deleted integrations: enough to answer "why no run?", not more. */
export const REFUSAL_LOG_SIZE = 1_000;
export const REFUSALS_FILE = 'refusals.jsonl';

export async function openContext(
  options: ServerOptions,
  log: Logger,
  changed: (topics: ChangeTopic[]) => void,
  askClient?: AskClient,
): Promise<ServerContext> {
  const store = await RegistryStore.open(options.store, options.user);
  for (const warning of await tightenModes(options.store)) log.warn(warning);
  const orphans = await removeOrphanTemps(options.store);
  if (orphans.length > 0) log.info(`Removed ${orphans.length} temporary file(s) of writes that never finished: ${orphans.join(', ')}.`);
  for (const integration of store.snapshot.integrations) registerSecret(integration.webhookSecret);
  const runs = new AppendLog(path.join(options.store, 'runs.jsonl'), QueuedRun, RUN_LOG_SIZE);
  const deliveries = new AppendLog(path.join(options.store, 'deliveries.jsonl'), StoredDelivery, options.deliveryLogSize);
  const refusals = new AppendLog(path.join(options.store, REFUSALS_FILE), StoredDelivery, REFUSAL_LOG_SIZE);
  await Promise.all([runs.load(), deliveries.load(), refusals.load()]);
  let credentials: CredentialStore;
  if (options.secrets === 'client') {
    if (!askClient) throw new Error('--secrets client needs an editor connection.');
    credentials = new ClientCredentials(askClient);
  } else {
    credentials = new FileCredentials(options.store);
  }
  const settings = runSettingsFromEnv();
  const book = new RunBook(options.store, runs, deliveries, () => changed(['runs']), settings.logCap);
  await book.load();
  const context: ServerContext = {
    version,
    user: options.user,
    publicUrl: options.publicUrl,
    bitbucketWeb: bitbucketWebBase(options.bitbucketApi),
    store,
    credentials,
    bitbucket: deferredGateway(async () => (await import('./bitbucket/restGateway')).createBitbucketGateway(options.bitbucketApi, log)),
    runs,
    deliveries,
    refusals,
    log,
    now: () => new Date(),
    changed,
    listener: { url: null, state: 'off' },
  };
  const engine = new RunEngine(context, book, settings, bitbucketWebBase(options.bitbucketApi));
  return Object.assign(context, { execution: engine });
}
