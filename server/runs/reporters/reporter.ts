// What every reporter is and is given (report.ts lists them): a reporter hears the moments of a run
// and tells Bitbucket what it tells (a build status, a pull request comment, and next a Code Insights
// report). A refusal never fails the run: each reporter records on the run what became of its report,
// for the editor to show. The run's own text is untrusted: what a reporter sends is Stackhook's words,
// and a quote of the log only inside a code block it cannot leave (commentMarkdown.ts).
import type { BitbucketCredential, BitbucketGateway } from '../../bitbucket/gateway';
import { describeError } from '../../errors';
import { redact } from '../../log';
import type { Run, RunState } from '../../protocol';
import type { StoredStack } from '../../registry/state';
import type { RunPlans } from '../../store/storeEngine';
import type { RunBook, RunChange } from '../runBook';

/** When a run is reported: its commit is known and it starts, it planned and waits for confirmation, it ended, or a server that took it over found it cut off. */
export type ReportMoment = 'started' | 'waiting' | 'ended' | 'interrupted';

export interface RunReporter {
  /** Reports the run at this moment, if it reports anything then, and records what became of it. */
  report(context: ReportContext, runId: string, moment: ReportMoment): Promise<void>;
  /** Reports a run whose plan is ready and waits for a Confirm, for the reporters that have something to say then. */
  planned?(context: ReportContext, runId: string): Promise<void>;
}

/** What a reporter is given of the run being reported. */
export interface ReportContext {
  gateway: BitbucketGateway;
  book: RunBook;
  credential: BitbucketCredential;
  stack: StoredStack;
  /** Where the status links to when the run has no page of its own (a `local` run). */
  runLink: (run: Run) => string;
  retryDelayMs: number;
  /** The claim the reporting process holds on the run: a process that lost the run records nothing of it. */
  fence: number;
  /** Whether the stack still has the integration the run started with: a detached stack's run uses none of its credential (R12). */
  attached: () => Promise<boolean>;
  /** Where the run's structured plan is, for the comment (absent where nothing keeps them). */
  runPlans?: RunPlans | undefined;
}

/** Records what became of a report, under the reporting process's claim. */
export async function recordReport(context: ReportContext, runId: string, change: RunChange): Promise<void> {
  await context.book.write(runId, { ...change, fence: context.fence });
}

/** Why a report was skipped for a run whose stack lost its integration. */
export const DETACHED = 'its stack was detached from the integration (R12): its credential is not used again';

/** A run's state in words, where a report says it. */
export const STATE_WORDS: Record<RunState, string> = {
  queued: 'queued',
  preparing: 'preparing',
  running: 'running',
  unconfirmed: 'waiting for confirmation',
  applying: 'applying',
  finished: 'finished',
  failed: 'failed',
  stopped: 'stopped',
  discarded: 'discarded',
};

/** Why a report failed, as recorded on the run: masked. */
export function reasonOf(error: unknown): string {
  return redact(describeError(error));
}
