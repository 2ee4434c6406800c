// What the rest of the server asks of run execution (the engine implements it).
import type { QueuedRun, Run } from '../protocol';
import type { RunBook } from './runBook';

export interface RunService {
  readonly book: RunBook;
  /** How this process names itself as the owner of runs. */
  readonly owner: string;
  /** Claims and executes runs this process queued; returns at once. */
  start(runs: readonly QueuedRun[]): void;
  cancel(runId: string): Promise<Run>;
  confirm(runId: string): Promise<Run>;
  discard(runId: string): Promise<Run>;
  /** Picks up runs whose process died (after a crash or restart). */
  recover(): Promise<void>;
  /** Resolves once nothing is executing. */
  idle(): Promise<void>;
}
