// Builds the server's context from its options: the store, the logs, credentials and Bitbucket.
import * as path from 'node:path';
import { deferredGateway } from './bitbucket/lazyGateway';
import { bitbucketWebBase } from './bitbucket/webLinks';
import type { ServerOptions } from './cli';
import type { ServerContext } from './context';
import type { Logger } from './log';
import { registerSecret } from './log';
import type { ChangeTopic } from './protocol';
import { ClientCredentials, type AskClient } from './secrets/clientCredentials';
import type { CredentialStore } from './secrets/credentialStore';
import { EncryptedCredentials } from './secrets/encryptedCredentials';
import { FileCredentials } from './store/files/credentials';
import { databasePassword } from './startupSecrets';
import { loadSecretKey } from './team/secretKey';
import { FileUserDirectory } from './store/files/userDirectory';
import { AppendLog } from './store/files/appendLog';
import { ensurePrivateFolder } from './store/atomicFile';
import type { RecordLog, Registry } from './store/storeEngine';
import { withPassword } from './store/databaseUrl';
import { openDatabase } from './store/openDatabase';
import { RegistryStore } from './store/files/registry';
import { removeOrphanTemps, tightenModes } from './store/storeHygiene';
import { RunEngine } from './runs/runEngine';
import { RunBook } from './runs/runBook';
import { StoredRun } from './store/storedRun';
import { FileStackLocks } from './store/files/stackLocks';
import { runSettingsFromEnv } from './runs/settings';
import { fileDeliveriesLog } from './store/files/deliveriesLog';
import { StoredDelivery } from './store/storedDelivery';
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
  // A team server may keep its store in PostgreSQL; the folder then holds only this replica's checkouts.
  const settings = runSettingsFromEnv();
  const database = options.databaseUrl
    ? await openDatabase(withPassword(options.databaseUrl, databasePassword(options.databasePasswordFile)), options.user, { runs: RUN_LOG_SIZE, deliveries: options.deliveryLogSize, refusals: REFUSAL_LOG_SIZE, runLogBytes: settings.logCap }, log)
    : null;
  await ensurePrivateFolder(options.store);
  const store: Registry = database ? database.registry : await RegistryStore.open(options.store, options.user);
  for (const warning of await tightenModes(options.store)) log.warn(warning);
  const orphans = await removeOrphanTemps(options.store);
  if (orphans.length > 0) log.info(`Removed ${orphans.length} temporary file(s) of writes that never finished: ${orphans.join(', ')}.`);
  for (const integration of store.snapshot.integrations) registerSecret(integration.webhookSecret);
  const runs: RecordLog<typeof StoredRun> = database?.runs ?? new AppendLog(path.join(options.store, 'runs.jsonl'), StoredRun, RUN_LOG_SIZE);
  const deliveries: RecordLog<typeof StoredDelivery> = database?.deliveries ?? fileDeliveriesLog(options.store, options.deliveryLogSize);
  const refusals: RecordLog<typeof StoredDelivery> = database?.refusals ?? new AppendLog(path.join(options.store, REFUSALS_FILE), StoredDelivery, REFUSAL_LOG_SIZE);
  if (!database) await Promise.all([runs.load(), deliveries.load(), refusals.load()]);
  let credentials: CredentialStore;
  if (options.secrets === 'client') {
    if (!askClient) throw new Error('--secrets client needs an editor connection.');
    credentials = new ClientCredentials(askClient);
  } else if (options.mode === 'serve') {
    // A team server keeps credentials encrypted at rest, and stores none without a key.
    credentials = new EncryptedCredentials(database?.credentials ?? new FileCredentials(options.store), loadSecretKey(options.secretKeyFile ?? undefined));
  } else {
    credentials = new FileCredentials(options.store);
  }
  const book = new RunBook(options.store, runs, deliveries, () => changed(['runs']), settings.logCap, database?.sharedRuns, database?.runLogs);
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
    ...(options.mode === 'serve' ? { users: database?.users ?? new FileUserDirectory(options.store), localRunner: options.localRunner } : {}),
    ...(database ? { deliveryRecorder: database.claims, database } : {}),
  };
  const locks = database?.stackLocks ?? new FileStackLocks(path.join(options.store, 'locks', 'stacks'));
  const engine = new RunEngine(context, book, settings, bitbucketWebBase(options.bitbucketApi), locks);
  return Object.assign(context, { execution: engine });
}
