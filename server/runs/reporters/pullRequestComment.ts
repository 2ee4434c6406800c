// The pull request comment reporter: for a run a pull request proposed, one comment per stack on that
// pull request, written when the run ends (or is found cut off) and edited in place by the next run.
import { redact } from '../../log';
import type { Run } from '../../protocol';
import { maskCredential } from '../../store/runLogText';
import { withRetries } from '../retries';
import { COMMENT_LIMITS, commentMarkdown } from './commentMarkdown';
import { DETACHED, STATE_WORDS, reasonOf, recordReport, type ReportContext, type RunReporter } from './reporter';

export const pullRequestCommentReporter: RunReporter = {
  report: (context, runId, moment) => (moment === 'started' || moment === 'waiting' ? Promise.resolve() : reportComment(context, runId)),
};

/** For a run a pull request proposed: the stack's comment on it, written or edited. */
export async function reportComment(context: ReportContext, runId: string): Promise<void> {
  const record = context.book.record(runId);
  if (!record) return;
  const { run } = record;
  if (run.trigger !== 'pullrequest' || run.pullRequestId === null) {
    await recordReport(context, runId, { reports: { comment: 'skipped', commentReason: 'not started by a pull request' } });
    return;
  }
  if (!(await context.attached())) return recordReport(context, runId, { reports: { comment: 'skipped', commentReason: DETACHED } });
  const markdown = await commentText(context, run);
  const existing = context.book.commentOf(run.stackId, run.pullRequestId);
  try {
    const id = await withRetries(context.retryDelayMs, () =>
      context.gateway.writePullRequestComment(context.credential, context.stack.repository, run.pullRequestId as number, markdown, existing, {}),
    );
    await recordReport(context, runId, { commentId: id, reports: { comment: 'posted' } });
  } catch (error) {
    await recordReport(context, runId, { reports: { comment: 'failed', commentReason: reasonOf(error) } });
  }
}

async function commentText(context: ReportContext, run: Run): Promise<string> {
  // One line more than is quoted: if it is there, the log has earlier lines, and the comment says so.
  const logTail = await context.book.logs.tail(run.id, COMMENT_LIMITS.tailLines + 1);
  const facts = {
    stackName: context.stack.name,
    kind: run.kind,
    commit: run.commit,
    state: STATE_WORDS[run.state],
    summary: run.summary,
    runId: run.id,
    pipelineUrl: run.externalUrl,
    logTail,
    plan: run.plan !== null ? ((await context.runPlans?.get(run.id).catch(() => null)) ?? null) : null,
    policy: run.policy ?? null,
  };
  return commentMarkdown(facts, (text) => maskCredential(redact(text), context.credential.secret));
}
