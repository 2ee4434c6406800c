// What a runner gets to execute one run: the run's record, the stack, the credential, Bitbucket,
// the log, and how to move the run on, which counts only while this process's claim is the run's.
import type { BitbucketCredential, BitbucketGateway } from '../bitbucket/gateway';
import type { Logger } from '../log';
import type { DriftResult, RunPolicy, RunState, StructuredPlan } from '../protocol';
import type { StoredStack } from '../registry/state';
import type { RunPlans } from '../store/storeEngine';
import type { RunBook, RunChange } from './runBook';
import type { RunRecord } from './runEvent';
import type { RunSettings } from './settings';

export interface Execution {
  readonly runId: string;
  /** Taken over from a server that died after the run started: what that server began may exist. */
  readonly resumed: boolean;
  readonly stack: StoredStack;
  readonly credential: BitbucketCredential;
  readonly gateway: BitbucketGateway;
  readonly book: RunBook;
  readonly settings: RunSettings;
  readonly log: Logger;
  /** Fires when the run is cancelled, times out, or this process loses it. */
  readonly signal: AbortSignal;
  /** Where Bitbucket reaches this server: a pipeline calls its run back there (STACKHOOK_URL). */
  readonly publicUrl: string;
  /** The web page Bitbucket shows for a repository: `https://bitbucket.org/acme/network`. */
  readonly repositoryPage: string;
  record(): RunRecord;
  /**
   * Records a step under this process's claim, before the step happens: a state change, or the start
   * of a process (`step`). Throws RunHalted when the store does not take it (the run was taken over,
   * is being stopped, or has ended), so nothing is started that the store did not agree to.
   */
  advance(change: RunChange): Promise<void>;
  /** Records what only informs (a process group, a pipeline's id) under the claim; never halts the run. */
  note(change: RunChange): Promise<void>;
  /** Appends to the run's log, masked (the credential too). */
  write(text: string): Promise<void>;
  /** Resolves when Confirm or Discard is decided (local runs waiting in `unconfirmed`). */
  decision(): Promise<'confirm' | 'discard'>;
  /** Why the run was aborted, once it was: a Cancel or the time limit (stop what runs), or lost to another process or detached (leave it). */
  halt(): 'stop' | 'lost' | 'timeout' | 'detached' | null;
  /** Whether the stack still has the integration the run started with (R12): a detached stack's run uses nothing of it again. */
  attached(): Promise<boolean>;
  /**
   * The stack's variables as the run's environment (space ones first, then the stack's), secret
   * values read from where they are kept; from then on the run's log masks them.
   */
  variables(): Promise<Record<string, string>>;
  /**
   * The stack's variables apart, for a pipeline's trigger: the plain ones by name, the secret ones'
   * names, and their values only when `withSecrets` (a `pipelines` runner's `passSecrets`).
   */
  variablesApart(withSecrets: boolean): Promise<{ plain: Record<string, string>; secret: Record<string, string>; secretNames: string[] }>;
  /** Why the run's plan is stale because another run of the stack applied since it was made, or null. */
  appliedSincePlan(): string | null;
  /** The key that seals plan files and documents on a team server (null: kept 0600 only). */
  readonly planKey: Buffer | null;
  /** Where structured plans are kept for every replica (absent where nothing keeps them: unit tests). */
  readonly runPlans: RunPlans | null;
  /** The verdict of the stack's plan policies on this plan, as the registry holds them now (R30). */
  evaluatePolicy(plan: StructuredPlan): Promise<RunPolicy>;
  /** Reports the plan while the run waits for a Confirm (the Code Insights report). */
  planned(): Promise<void>;
}

export interface Outcome {
  state: Extract<RunState, 'finished' | 'failed' | 'stopped' | 'discarded'>;
  summary: string | null;
}

/** What a drift check ends with (R26): the result to record, the run's summary in Stackhook's words, and whether it was stopped. */
export interface DriftOutcome {
  result: Omit<DriftResult, 'newlyDrifted'>;
  summary: string;
  stopped: boolean;
}

/** Why a run stops short: its claim was taken over (lost), a Cancel was recorded (stopped), or it ended in the store. */
export class RunHalted extends Error {
  constructor(
    readonly reason: 'lost' | 'stopped' | 'ended',
    message: string,
  ) {
    super(message);
  }
}
