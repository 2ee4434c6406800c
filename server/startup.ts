// Builds the server's context from its options: the store, the logs, credentials and Bitbucket.
import * as path from 'node:path';
import { deferredGateway } from './bitbucket/deferred';
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
import { RunEngine } from './runs/engine';
import { RunBook } from './runs/runBook';
import { runSettingsFromEnv } from './runs/settings';
import { StoredDelivery } from './webhooks/storedDelivery';
import { version } from '../package.json';

/** Manual runs only: runs queued by deliveries live (and rotate) with their delivery. */
export const RUN_LOG_SIZE = 10_000;

/** The context, with logs that another process may append to while this one watches them. */
export type OpenedContext = ServerContext & {
  readonly runs: AppendLog<typeof QueuedRun>;
  readonly deliveries: AppendLog<typeof StoredDelivery>;
};

export async function openContext(
  options: ServerOptions,
  log: Logger,
  changed: (topics: ChangeTopic[]) => void,
  askClient?: AskClient,
): Promise<OpenedContext> {
  const store = await RegistryStore.open(options.store, options.user);
  for (const integration of store.snapshot.integrations) registerSecret(integration.webhookSecret);
  const runs = new AppendLog(path.join(options.store, 'runs.jsonl'), QueuedRun, RUN_LOG_SIZE);
  const deliveries = new AppendLog(path.join(options.store, 'deliveries.jsonl'), StoredDelivery, options.deliveryLogSize);
  await Promise.all([runs.load(), deliveries.load()]);
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
  const context: OpenedContext = {
    version,
    user: options.user,
    publicUrl: options.publicUrl,
    store,
    credentials,
    bitbucket: deferredGateway(async () => (await import('./bitbucket/cloud')).createBitbucketGateway(options.bitbucketApi, log)),
    runs,
    deliveries,
    log,
    now: () => new Date(),
    changed,
    listener: { url: null, state: 'off' },
  };
  const engine = new RunEngine(context, book, settings, webOriginOf(options.bitbucketApi));
  return Object.assign(context, { execution: engine });
}

/** Bitbucket's web pages for an API base: `https://api.bitbucket.org/2.0` → `https://bitbucket.org`; another host keeps its origin. */
export function webOriginOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  return url.hostname === 'api.bitbucket.org' ? 'https://bitbucket.org' : url.origin;
}
