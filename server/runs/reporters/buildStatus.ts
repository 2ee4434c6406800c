// The build status reporter: a status on the run's commit, one per stack and run kind, written when
// the run starts and again when it ends. It says only Stackhook's words (the summary, or the state),
// never a line of the run's own text.
import { createHash } from 'node:crypto';
import type { BuildStatus } from '../../bitbucket/gateway';
import { redact } from '../../log';
import type { Run, RunState, StructuredPlan } from '../../protocol';
import { maskCredential } from '../../store/runLogText';
import { withRetries } from '../retries';
import { cutTo, oneLine } from '../runText';
import { DETACHED, STATE_WORDS, reasonOf, recordReport, type ReportContext, type RunReporter } from './reporter';

/** An interrupted run failed, but on its commit it was stopped. */
export const buildStatusReporter: RunReporter = {
  report: (context, runId, moment) => reportStatus(context, runId, moment === 'interrupted' ? 'STOPPED' : undefined),
};

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

/**
 * Writes the run's build status for its state now (or `state`, when the run's own state does not
 * say it: an interrupted run failed, but on the commit it was stopped); records whether it worked.
 */
export async function reportStatus(context: ReportContext, runId: string, state?: BuildStatus['state']): Promise<void> {
  const record = context.book.record(runId);
  if (!record || record.run.commit === null) return;
  if (!(await context.attached())) return recordReport(context, runId, { reports: { status: 'skipped', statusReason: DETACHED } });
  const { run } = record;
  const status: BuildStatus = {
    key: statusKey(run.stackId, run.kind),
    // R29: a drift check that found drift fails its status, though the check itself ran to the end.
    state: state ?? (record.drift?.state === 'drifted' ? 'FAILED' : buildStateOf(run.state)),
    name: `Stackhook ${context.stack.name} (${run.kind})`,
    description: statusDescription(run, context.credential.secret, run.plan !== null ? ((await context.runPlans?.get(run.id).catch(() => null)) ?? null) : null),
    url: run.externalUrl ?? context.runLink(run),
  };
  try {
    await withRetries(context.retryDelayMs, () =>
      context.gateway.writeBuildStatus(context.credential, context.stack.repository, run.commit as string, status, !record.statusPosted, {}),
    );
    await recordReport(context, runId, { statusPosted: true, reports: { status: 'posted' } });
  } catch (error) {
    await recordReport(context, runId, { reports: { status: 'failed', statusReason: reasonOf(error) } });
  }
}

/**
 * The status's description: the run's summary (Stackhook's words: runners render counts and exit
 * codes, never the tool's lines) or its state, on one line, masked, within Bitbucket's length.
 */
export function statusDescription(run: Pick<Run, 'kind' | 'state' | 'summary'>, secret: string, plan: StructuredPlan | null = null): string {
  const state = `${run.kind} run ${STATE_WORDS[run.state]}`;
  // Waiting is what a person must act on: said first, so a cut keeps it.
  const words = run.state === 'unconfirmed' ? `${state} in Stackhook${run.summary ? `: ${run.summary}` : ''}` : (run.summary ?? state);
  return cutTo(maskCredential(redact(oneLine(`${words}${plan ? planWords(plan) : ''}`)), secret), STATUS_DESCRIPTION_MAX);
}

/** What the structured plan adds to a status: the resources it replaces and destroys, by address, first. */
function planWords(plan: StructuredPlan): string {
  const named = (verb: string, action: 'replace' | 'delete', total: number) => {
    if (total === 0) return null;
    const addresses = plan.resources.filter((row) => row.action === action).slice(0, 3).map((row) => cutTo(row.address, 60));
    return `${verb} ${addresses.join(', ')}${total > addresses.length ? ` and ${total - addresses.length} more` : ''}`;
  };
  const parts = [named('replaces', 'replace', plan.counts.replace), named('destroys', 'delete', plan.counts.destroy), plan.counts.drift > 0 ? `${plan.counts.drift} drifted` : null].filter((part) => part !== null);
  return parts.length > 0 ? ` ${parts.join('; ')}` : '';
}
