// What the rest of the server asks of run execution (the engine implements it), and what run
// execution needs of the server it runs in (the server's context is one).
import type { BitbucketGateway } from '../bitbucket/gateway';
import type { Logger } from '../log';
import type { QueuedRun, Run } from '../protocol';
import type { CredentialStore } from '../secrets/credentialStore';
import type { Registry, RunPlans } from '../store/storeEngine';
import type { RunBook } from './runBook';
import type { DecisionKind } from '../store/runEvents';

export interface RunService {
  readonly book: RunBook;
  /** How this process names itself as the owner of runs. */
  readonly owner: string;
  /** Works through the stacks of runs this process queued (unless another process does); returns at once. */
  start(runs: readonly QueuedRun[]): void;
  cancel(runId: string): Promise<Run>;
  confirm(runId: string): Promise<Run>;
  discard(runId: string): Promise<Run>;
  /** Records a decision on the run for `by` (a person, or Stackhook detaching its stack), decided once; Conflict when it does not count. */
  decide(runId: string, kind: DecisionKind, by?: string, summary?: string): Promise<Run>;
  /** Picks up runs whose process died (after a crash or restart); every process does it every few seconds. */
  recover(): Promise<void>;
  /** Looks for runs to take now and every few seconds, until the returned function is called. */
  lookOut(): () => void;
  /** Resolves once nothing is executing. */
  idle(): Promise<void>;
}

export interface RunHost {
  /** Who acts when no one else is named (a decision Stackhook records itself). */
  readonly user: string;
  readonly store: Registry;
  readonly credentials: CredentialStore;
  readonly bitbucket: BitbucketGateway;
  readonly log: Logger;
  readonly now: () => Date;
  /** On a team server: whether its host lets the local runner run (`--local-runner`). */
  readonly team?: { readonly localRunner: boolean } | undefined;
  /** Structured plans, kept by the store engine for every replica. */
  readonly runPlans?: RunPlans | undefined;
  /** On a team server with a secret key: the key plan files and plan documents are sealed with. */
  readonly planKey?: Buffer | null | undefined;
}
