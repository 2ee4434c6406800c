// What a runner kind declares, once, in its own file of this folder (runnerKinds.ts lists them): how
// a run of it executes, how the runner check looks at it, the scopes its runs use, what becomes of a
// run it had started when its server died, whether it takes one of this machine's slots, and whether
// a team server lets it run. The rest of the server asks the kind and never tests a runner's type.
import type { BitbucketCredential, BitbucketGateway } from '../../bitbucket/gateway';
import type { Runner, RunnerCheck } from '../../protocol';
import type { StoredStack } from '../../registry/state';
import type { DriftOutcome, Execution, Outcome } from '../execution';
import type { RunRecord } from '../runEvent';

export interface RunnerKind<R extends Runner = Runner> {
  /** Executes one run, from its first step to its outcome; `autodeploy` applies a tracked run's plan without a Confirm. */
  run(execution: Execution, runner: R, settings: { autodeploy: boolean }): Promise<Outcome>;
  /** Runs a drift check (R26): a refresh-only plan, never applied. A kind without it cannot check drift yet. */
  checkDrift?(execution: Execution, runner: R): Promise<DriftOutcome>;
  /** Problems with this kind's own set-up, for the runner check (which checks the scopes itself). */
  check(target: RunnerCheckTarget<R>): Promise<RunnerCheck['problems']>;
  /** The API token's scopes its runs use, as the OpenAPI document names them. */
  readonly scopes: readonly string[];
  /**
   * A run it had started when its server died, as the server that takes it over finds it: followed
   * again where it is (the work runs elsewhere: Bitbucket's pipeline), or interrupted (it ran in the
   * process that died, and is not run twice).
   */
  readonly afterCrash: 'follow' | 'interrupted';
  /** Ends what an interrupted run left running, in the store's folder on this machine. */
  endLeftovers?(record: RunRecord, folder: string): void;
  /** Whether its runs take one of this machine's slots (STACKHOOK_RUN_CONCURRENCY): whether the work is this machine's. */
  readonly takesLocalSlot: boolean;
  /**
   * Whether a team server runs it only where its host was started with `--local-runner` (and lets only
   * admins of the root space choose it): a kind that runs a stack's commands on the server's host.
   */
  readonly needsLocalRunner: boolean;
}

/** What the runner check looks at: the stack, its runner, and Bitbucket through the stack's credential. */
export interface RunnerCheckTarget<R extends Runner = Runner> {
  gateway: BitbucketGateway;
  credential: BitbucketCredential;
  stack: StoredStack;
  runner: R;
  /** Where Bitbucket reaches this server (a pipeline calls a run back there). */
  publicUrl: string;
  signal?: AbortSignal | undefined;
}
