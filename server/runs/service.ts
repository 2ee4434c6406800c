// What the rest of the server asks of run execution (the engine implements it).
import type { QueuedRun, Run } from '../protocol';
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
