// Builds the server's context from its options: the store engine (chosen here, once: PostgreSQL when
// a database is named, else the files of the store folder), credentials, Bitbucket and the runs.
import { deferredGateway } from './bitbucket/lazyGateway';
import { bitbucketWebBase } from './bitbucket/webLinks';
import type { ServerOptions } from './cli';
import type { ServerContext } from './context';
import type { Logger } from './log';
import { registerSecret } from './log';
import type { ChangeTopic } from './protocol';
import { readFileSync } from 'node:fs';
import { describeError } from './errors';
import { queueRun } from './operations/stacks';
import { DriftScheduler } from './runs/driftScheduler';
import { RunBook } from './runs/runBook';
import { RunEngine } from './runs/runEngine';
import { runCallbackRoute } from './runs/runCallbacks';
import { DEFAULT_UPLOAD_CAPS } from './runs/pipelinePlans';
import { stepTokenVerifier } from './runs/stepOidc';
import type { Route } from './http/routes';
import { runSettingsFromEnv, type RunSettings } from './runs/settings';
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
export type OpenedContext = ServerContext & { readonly engine: StoreEngine; readonly bitbucketApi: string; readonly driftTickMs?: number };

/**
 * The front door's route for `pipelines` runs' callbacks (runs/runCallbacks.ts): uploads kept in the
 * run book's folder, step tokens verified against the configured Bitbucket's published keys.
 */
export function runCallbacksOf(context: OpenedContext): Route[] {
  const book = context.execution?.book;
  if (!book) return [];
  return [runCallbackRoute({ folder: book.folder, book, store: context.store, verifyStepToken: stepTokenVerifier(context.bitbucketApi), caps: DEFAULT_UPLOAD_CAPS, planKey: context.planKey ?? null, log: context.log })];
}

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
  // A team server seals what it keeps of secrets at rest: credentials, secret variables, plan files and documents.
  const secretKey = options.mode === 'serve' ? loadSecretKey(options.secretKeyFile ?? undefined) : null;
  if (options.secrets === 'client') {
    if (!askClient) throw new Error('--secrets client needs an editor connection.');
    credentials = new ClientCredentials(askClient);
  } else if (options.mode === 'serve') {
    // A team server keeps credentials encrypted at rest, and stores none without a key.
    credentials = new EncryptedCredentials(engine.credentials, secretKey);
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
    runPlans: engine.runPlans,
    planKey: secretKey,
    ...(options.mode === 'serve' ? { team: { users: engine.users, localRunner: options.localRunner } } : {}),
    engine,
    bitbucketApi: options.bitbucketApi,
  };
  const execution = new RunEngine(context, book, settings, bitbucketWebBase(options.bitbucketApi), engine.stackLocks, (request) => queueRun(context, request));
  return Object.assign(context, { execution, driftTickMs: settings.driftTickMs });
}

/**
 * Starts this process's drift scheduler (R27): every process on a store runs one, and the store's
 * slot claims make each scheduled check run once. `STACKHOOK_CLOCK_FILE` names a file whose ISO time
 * is the scheduler's clock, read at each look: how tests move time on for several processes at once.
 */
export function startDriftChecks(context: OpenedContext, settings: Pick<RunSettings, 'driftTickMs'> = { driftTickMs: context.driftTickMs ?? runSettingsFromEnv().driftTickMs }): () => void {
  const clockFile = process.env.STACKHOOK_CLOCK_FILE;
  const now = clockFile ? () => fileClock(clockFile) : () => context.now();
  const scheduler = new DriftScheduler({
    store: context.store,
    slots: context.engine.driftSlots,
    owner: context.execution?.owner ?? 'none',
    now,
    log: context.log,
    queue: async (stack) => {
      await queueRun(context, { stackId: stack.id, kind: 'drift', trigger: 'schedule', branch: stack.branch, commit: null, pullRequestId: null });
    },
  });
  return scheduler.start(settings.driftTickMs);
}

function fileClock(file: string): Date {
  try {
    const at = new Date(readFileSync(file, 'utf8').trim());
    if (!Number.isNaN(at.getTime())) return at;
  } catch (error) {
    throw new Error(`The clock file ${file} (STACKHOOK_CLOCK_FILE) cannot be read: ${describeError(error)}`);
  }
  throw new Error(`The clock file ${file} (STACKHOOK_CLOCK_FILE) holds no ISO time.`);
}
