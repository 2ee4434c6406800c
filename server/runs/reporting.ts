// What a run tells Bitbucket: a build status on its commit (one per stack and run kind) and, for a
// run a pull request proposed, one comment per stack on that pull request, edited in place. A
// refusal never fails the run: it is recorded on the run for the editor to show. The run's own text
// is untrusted: the status says only Stackhook's words (the summary), and the comment quotes the
// log only inside a code block it cannot leave (pullRequestComment.ts).
import { createHash } from 'node:crypto';
import { describeError } from '../errors';
import type { BitbucketCredential, BitbucketGateway, BuildStatus } from '../bitbucket/gateway';
import { redact } from '../log';
import type { Run, RunState } from '../protocol';
import type { StoredStack } from '../registry/state';
import { COMMENT_LIMITS, commentMarkdown } from './pullRequestComment';
import { withRetries } from './retries';
import type { RunBook, RunChange } from './runBook';
import { maskCredential } from '../store/runLogText';
import { cutTo, oneLine } from './runText';

const MAX_KEY = 40;
/**
 * The longest status description Stackhook writes. Bitbucket's OpenAPI document gives `commitstatus`
 * `description` no maxLength; 255 is the bound Bitbucket keeps for a status's text fields (Bitbucket
 * Server documents it) and the one `server/bitbucket/reports.ts` cuts at, so Stackhook stays within it.
 */
export const STATUS_DESCRIPTION_MAX = 255;

/** Unique per stack and run kind, at most 40 characters (Bitbucket's limit). */
export function statusKey(stackId: string, kind: Run['kind']): string {
  const plain = `stackhook-${kind}-${stackId}`;
  if (plain.length <= MAX_KEY) return plain;
  return `stackhook-${kind}-${createHash('sha256').update(stackId).digest('hex').slice(0, MAX_KEY - 11 - kind.length)}`;
}

export function buildStateOf(state: RunState): BuildStatus['state'] {
  if (state === 'finished') return 'SUCCESSFUL';
  if (state === 'failed') return 'FAILED';
  if (state === 'stopped' || state === 'discarded') return 'STOPPED';
  return 'INPROGRESS';
}

const STATE_WORDS: Record<RunState, string> = {
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

export interface Reporter {
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
}

/** Records what became of a report, under the reporter's claim. */
async function recordReport(reporter: Reporter, runId: string, change: RunChange): Promise<void> {
  await reporter.book.write(runId, { ...change, fence: reporter.fence });
}

const DETACHED = 'its stack was detached from the integration (R12): its credential is not used again';

/**
 * Writes the run's build status for its state now (or `state`, when the run's own state does not
 * say it: an interrupted run failed, but on the commit it was stopped); records whether it worked.
 */
export async function reportStatus(reporter: Reporter, runId: string, state?: BuildStatus['state']): Promise<void> {
  const record = reporter.book.record(runId);
  if (!record || record.run.commit === null) return;
  if (!(await reporter.attached())) return recordReport(reporter, runId, { reports: { status: 'skipped', statusReason: DETACHED } });
  const { run } = record;
  const status: BuildStatus = {
    key: statusKey(run.stackId, run.kind),
    state: state ?? buildStateOf(run.state),
    name: `Stackhook ${reporter.stack.name} (${run.kind})`,
    description: statusDescription(run, reporter.credential.secret),
    url: run.externalUrl ?? reporter.runLink(run),
  };
  try {
    await withRetries(reporter.retryDelayMs, () =>
      reporter.gateway.writeBuildStatus(reporter.credential, reporter.stack.repository, run.commit as string, status, !record.statusPosted, {}),
    );
    await recordReport(reporter, runId, { statusPosted: true, reports: { status: 'posted' } });
  } catch (error) {
    await recordReport(reporter, runId, { reports: { status: 'failed', statusReason: reasonOf(error) } });
  }
}

/** For a run a pull request proposed: the stack's comment on it, written or edited. */
export async function reportComment(reporter: Reporter, runId: string): Promise<void> {
  const record = reporter.book.record(runId);
  if (!record) return;
  const { run } = record;
  if (run.trigger !== 'pullrequest' || run.pullRequestId === null) {
    await recordReport(reporter, runId, { reports: { comment: 'skipped', commentReason: 'not started by a pull request' } });
    return;
  }
  if (!(await reporter.attached())) return recordReport(reporter, runId, { reports: { comment: 'skipped', commentReason: DETACHED } });
  const markdown = await commentText(reporter, run);
  const existing = reporter.book.commentOf(run.stackId, run.pullRequestId);
  try {
    const id = await withRetries(reporter.retryDelayMs, () =>
      reporter.gateway.writePullRequestComment(reporter.credential, reporter.stack.repository, run.pullRequestId as number, markdown, existing, {}),
    );
    await recordReport(reporter, runId, { commentId: id, reports: { comment: 'posted' } });
  } catch (error) {
    await recordReport(reporter, runId, { reports: { comment: 'failed', commentReason: reasonOf(error) } });
  }
}

/**
 * The status's description: the run's summary (Stackhook's words: runners render counts and exit
 * codes, never the tool's lines) or its state, on one line, masked, within Bitbucket's length.
 */
export function statusDescription(run: Pick<Run, 'kind' | 'state' | 'summary'>, secret: string): string {
  const words = run.summary ?? `${run.kind} run ${STATE_WORDS[run.state]}`;
  return cutTo(maskCredential(redact(oneLine(words)), secret), STATUS_DESCRIPTION_MAX);
}

async function commentText(reporter: Reporter, run: Run): Promise<string> {
  // One line more than is quoted: if it is there, the log has earlier lines, and the comment says so.
  const logTail = await reporter.book.logs.tail(run.id, COMMENT_LIMITS.tailLines + 1);
  const facts = {
    stackName: reporter.stack.name,
    kind: run.kind,
    commit: run.commit,
    state: STATE_WORDS[run.state],
    summary: run.summary,
    runId: run.id,
    pipelineUrl: run.externalUrl,
    logTail,
  };
  return commentMarkdown(facts, (text) => maskCredential(redact(text), reporter.credential.secret));
}

function reasonOf(error: unknown): string {
  return redact(describeError(error));
}
