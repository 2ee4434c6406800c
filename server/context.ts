// Everything an operation needs, built once at start-up and passed to every handler.
import type { ChangeTopic, ServerStatus } from './protocol';
import type { RunHost, RunService } from './runs/service';
import type { StoredDelivery } from './store/storedDelivery';
import type { StoredRun } from './store/storedRun';
import type { RecordLog } from './store/storeEngine';
import type { UserDirectory } from './team/userDirectory';

/** The user acting, the registry, credentials, Bitbucket, the logger and the clock come with RunHost. */
export interface ServerContext extends RunHost {
  readonly version: string;
  readonly publicUrl: string;
  /** Where people open Bitbucket's pages (derived from the configured API); https://bitbucket.org when not given. */
  readonly bitbucketWeb?: string | undefined;
  /** The demo's simulated Bitbucket on this machine (STACKHOOK_DEMO=1 with a loopback --bitbucket-api): every webhook URL counts as reachable. */
  readonly demo?: boolean | undefined;
  /** Manual runs (R12). Runs queued by a delivery are in its line of the deliveries log. */
  readonly runs: RecordLog<typeof StoredRun>;
  /** Every recorded delivery with the runs it queued, one line each (written at once, R16). */
  readonly deliveries: RecordLog<typeof StoredDelivery>;
  /** Deliveries refused for an unknown or deleted integration (R15): unsigned, so kept apart and bounded. */
  readonly refusals: RecordLog<typeof StoredDelivery>;
  /** Executes runs and knows how each stands; absent where nothing executes runs (unit tests of rules). */
  readonly execution?: RunService | undefined;
  /** Tells connected editors which views to refresh. */
  changed(topics: ChangeTopic[]): void;
  listener: ServerStatus['listener'];
  /** What only a team server (`serve`) has; absent for one person's companion process. */
  readonly team?: TeamServer | undefined;
}

/** A team server's: who may connect, and what its host lets runs do. */
export interface TeamServer {
  readonly users: UserDirectory;
  /** Whether its host lets the local runner run (`--local-runner`). One person's process always may. */
  readonly localRunner: boolean;
}

/** Per-request: cancellation as an AbortSignal (axios takes it) and optional progress. */
export interface RequestScope {
  readonly signal: AbortSignal;
  readonly progress?: ((done: number, total: number, message: string) => void) | undefined;
}
