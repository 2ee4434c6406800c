// Builds the server's context from its options: the store engine (chosen here, once: PostgreSQL when
// a database is named, else the files of the store folder), credentials, Bitbucket and the runs.
import { deferredGateway } from './bitbucket/lazyGateway';
import { bitbucketWebBase } from './bitbucket/webLinks';
import type { ServerOptions } from './cli';
import type { ServerContext } from './context';
import type { Logger } from './log';
import { registerSecret } from './log';
import type { ChangeTopic } from './protocol';
import { RunBook } from './runs/runBook';
import { RunEngine } from './runs/runEngine';
import { runSettingsFromEnv } from './runs/settings';
import { ClientCredentials, type AskClient } from './secrets/clientCredentials';
import type { CredentialStore } from './secrets/credentialStore';
import { EncryptedCredentials } from './secrets/encryptedCredentials';
import { databasePassword } from './startupSecrets';
import { ensurePrivateFolder } from './store/atomicFile';
import { withPassword } from './store/databaseUrl';
import { openFiles } from './store/files/openFiles';
import { openDatabase } from './store/openDatabase';
import type { StoreEngine } from './store/storeEngine';
import { removeOrphanTemps, tightenModes } from './store/storeHygiene';
import { loadSecretKey } from './team/secretKey';
import { version } from '../package.json';

/** Manual runs only: runs queued by deliveries live (and rotate) with their delivery. */
export const RUN_LOG_SIZE = 10_000;
/** Refusals for unknown or deleted integrations: enough to answer "why no run?", not more. */
export const REFUSAL_LOG_SIZE = 1_000;

/** The context, and the store engine start-up opened, whose other pieces the listeners and shutdown need. */
export type OpenedContext = ServerContext & { readonly engine: StoreEngine };

export async function openContext(
  options: ServerOptions,
  log: Logger,
  changed: (topics: ChangeTopic[]) => void,
  askClient?: AskClient,
): Promise<OpenedContext> {
  const settings = runSettingsFromEnv();
  const sizes = { runs: RUN_LOG_SIZE, deliveries: options.deliveryLogSize, refusals: REFUSAL_LOG_SIZE, runLogBytes: settings.logCap };
  // A team server may keep its store in PostgreSQL; the folder then holds only this replica's checkouts.
  const engine: StoreEngine = options.databaseUrl
    ? await openDatabase(withPassword(options.databaseUrl, databasePassword(options.databasePasswordFile)), options.user, sizes, log)
    : await openFiles(options.store, options.user, sizes, log);
  await ensurePrivateFolder(options.store);
  for (const warning of await tightenModes(options.store)) log.warn(warning);
  const orphans = await removeOrphanTemps(options.store);
  if (orphans.length > 0) log.info(`Removed ${orphans.length} temporary file(s) of writes that never finished: ${orphans.join(', ')}.`);
  const store = engine.registry;
  for (const integration of store.snapshot.integrations) registerSecret(integration.webhookSecret);
  let credentials: CredentialStore;
  if (options.secrets === 'client') {
    if (!askClient) throw new Error('--secrets client needs an editor connection.');
    credentials = new ClientCredentials(askClient);
  } else if (options.mode === 'serve') {
    // A team server keeps credentials encrypted at rest, and stores none without a key.
    credentials = new EncryptedCredentials(engine.credentials, loadSecretKey(options.secretKeyFile ?? undefined));
  } else {
    credentials = engine.credentials;
  }
  const book = new RunBook({ folder: options.store, runs: engine.runs, deliveries: engine.deliveries, claims: engine.runClaims, logs: engine.runLogs, announce: () => changed(['runs']) });
  await book.load();
  const context: OpenedContext = {
    version,
    user: options.user,
    publicUrl: options.publicUrl,
    bitbucketWeb: bitbucketWebBase(options.bitbucketApi),
    ...(options.demo ? { demo: true } : {}),
    store,
    credentials,
    bitbucket: deferredGateway(async () => (await import('./bitbucket/restGateway')).createBitbucketGateway(options.bitbucketApi, log)),
    runs: engine.runs,
    deliveries: engine.deliveries,
    refusals: engine.refusals,
    log,
    now: () => new Date(),
    changed,
    listener: { url: null, state: 'off' },
    ...(options.mode === 'serve' ? { team: { users: engine.users, localRunner: options.localRunner } } : {}),
    engine,
  };
  const execution = new RunEngine(context, book, settings, bitbucketWebBase(options.bitbucketApi), engine.stackLocks);
  return Object.assign(context, { execution });
}
