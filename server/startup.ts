// Builds the server's context from its options: the store, the logs, credentials and Bitbucket.
import * as path from 'node:path';
import { deferredGateway } from './bitbucket/deferred';
import { bitbucketWebBase } from './bitbucket/webLinks';
import type { ServerOptions } from './cli';
import type { ServerContext } from './context';
import type { Logger } from './log';
import { registerSecret } from './log';
import { Run, type ChangeTopic } from './protocol';
import { ClientCredentials, type AskClient } from './secrets/clientCredentials';
import type { CredentialStore } from './secrets/credentialStore';
import { FileCredentials } from './secrets/fileCredentials';
import { AppendLog } from './store/appendLog';
import { RegistryStore } from './store/registryStore';
import { StoredDelivery } from './webhooks/storedDelivery';
import { version } from '../package.json';

/** Manual runs only: runs queued by deliveries live (and rotate) with their delivery. */
export const RUN_LOG_SIZE = 10_000;

/** The context, with logs that another process may append to while this one watches them. */
export type OpenedContext = ServerContext & {
  readonly runs: AppendLog<typeof Run>;
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
  const runs = new AppendLog(path.join(options.store, 'runs.jsonl'), Run, RUN_LOG_SIZE);
  const deliveries = new AppendLog(path.join(options.store, 'deliveries.jsonl'), StoredDelivery, options.deliveryLogSize);
  await Promise.all([runs.load(), deliveries.load()]);
  let credentials: CredentialStore;
  if (options.secrets === 'client') {
    if (!askClient) throw new Error('--secrets client needs an editor connection.');
    credentials = new ClientCredentials(askClient);
  } else {
    credentials = new FileCredentials(options.store);
  }
  return {
    version,
    user: options.user,
    publicUrl: options.publicUrl,
    bitbucketWeb: bitbucketWebBase(options.bitbucketApi),
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
}
