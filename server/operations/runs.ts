// The run requests: get, log, cancel, confirm, discard, retry, and checking a stack's runner.
// Access as for triggering a run: reading needs read on the stack's space, acting needs write.
import type { RequestScope, ServerContext } from '../context';
import { conflict, notFound, unavailable } from '../errors';
import * as Protocol from '../protocol';
import { requireAttached } from '../registry/stacks';
import type { RunService } from '../runs/service';
import { checkRunner as check } from '../runs/runnerCheck';
import type { RunRecord } from '../runs/runEvent';
import { isFinal } from '../runs/runEvent';
import type { StoredStack } from '../registry/state';
import { requireRole, requireVisibleStack, requireWritableStack } from '../registry/access';
import { credentialOf } from '../secrets/credentialStore';
import { queueRun } from './stacks';
import { appliedSince } from '../runs/runExecution';

function executionOf(context: ServerContext): RunService {
  if (!context.execution) throw unavailable('This Stackhook server does not execute runs.');
  return context.execution;
}

/** The run and its stack, if the user may see the stack (a run of a hidden stack does not exist for them). */
export async function visibleRun(context: ServerContext, runId: string, role: 'read' | 'write', action: string): Promise<{ record: RunRecord; stack: StoredStack }> {
  const execution = executionOf(context);
  await execution.book.refresh();
  const record = execution.book.record(runId);
  const state = await context.store.read();
  if (!record) throw notFound(`There is no run "${runId}". List runs to see their ids.`);
  const stack = requireVisibleStack(state, context.user, record.run.stackId);
  if (role === 'write') requireRole(state, context.user, stack.spaceId, 'write', action);
  return { record, stack };
}

export async function getRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsGet>): Promise<Protocol.Run> {
  return (await visibleRun(context, params.runId, 'read', 'Reading a run')).record.run;
}

export async function runLog(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsLog>): Promise<Protocol.RunLog> {
  const { record } = await visibleRun(context, params.runId, 'read', 'Reading a run\'s log');
  const ended = isFinal(record.run);
  const read = await executionOf(context).book.logs.read(params.runId, params.offset ?? 0, ended);
  return { text: read.text, nextOffset: read.nextOffset, complete: ended && read.nextOffset >= read.size };
}

export async function cancelRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsCancel>): Promise<Protocol.Run> {
  await visibleRun(context, params.runId, 'write', 'Cancelling a run');
  return executionOf(context).cancel(params.runId);
}

export async function confirmRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsConfirm>): Promise<Protocol.Run> {
  const { record, stack } = await visibleRun(context, params.runId, 'write', 'Confirming a run');
  // R12: nothing is applied for a stack that lost its integration (its waiting runs were discarded with it).
  requireAttached(stack);
  // A saved plan is applied only while it still describes the branch: decided before anything is recorded.
  if (record.run.plan !== null && record.run.state === 'unconfirmed' && record.decision === null) {
    const stale = await staleReason(context, record, stack);
    if (stale !== null) {
      // Discarded, so the stack's queue moves on and a new plan can run.
      await executionOf(context).decide(params.runId, 'discard', context.user, `discarded: the plan is stale (${stale})`).catch(() => undefined);
      throw conflict(`The plan of run ${params.runId} is stale: ${stale}. Nothing was applied, and the run was discarded. Plan again (Trigger Run) to apply the branch as it is now.`, {
        state: 'discarded',
        reason: Protocol.STALE_PLAN,
      });
    }
  }
  return executionOf(context).confirm(params.runId);
}

export async function discardRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsDiscard>): Promise<Protocol.Run> {
  await visibleRun(context, params.runId, 'write', 'Discarding a run');
  return executionOf(context).discard(params.runId);
}

/**
 * Why a waiting plan no longer describes what Confirm would apply, or null: the stack's branch head
 * (read from Bitbucket now) is not the run's commit, or another run of the stack applied since.
 */
async function staleReason(context: ServerContext, record: RunRecord, stack: StoredStack): Promise<string | null> {
  const applied = appliedSince(executionOf(context).book, record.run.id);
  if (applied !== null) return applied;
  const state = await context.store.read();
  const integration = state.integrations.find((candidate) => candidate.id === stack.integrationId);
  if (!integration) return null;
  const credential = await credentialOf(context.credentials, integration);
  const branch = await context.bitbucket.getBranch(credential, stack.repository, stack.branch, {});
  if (branch === null) return `the branch ${stack.branch} no longer exists in ${stack.repository}`;
  if (record.run.commit !== null && branch.commit !== record.run.commit) {
    return `the branch ${stack.branch} moved from ${record.run.commit.slice(0, 12)} to ${branch.commit.slice(0, 12)} since the plan`;
  }
  return null;
}

/** The same stack, kind, branch and commit again, as a new run (R12: not for a detached stack). */
export async function retryRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsRetry>): Promise<Protocol.Run> {
  const { record, stack } = await visibleRun(context, params.runId, 'write', 'Retrying a run');
  requireAttached(stack);
  const { run } = record;
  return queueRun(context, { stackId: run.stackId, kind: run.kind, trigger: 'manual', branch: run.branch, commit: run.commit, pullRequestId: run.pullRequestId, triggeredBy: context.user });
}

export async function checkStackRunner(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.StacksCheckRunner>, scope: RequestScope) {
  const state = await context.store.read();
  // It reads Bitbucket through the stack's credential on the user's behalf: as for triggering a run.
  const stack = requireWritableStack(state, context.user, params.stackId, 'Checking a stack\'s runner');
  const integrationId = requireAttached(stack);
  const integration = state.integrations.find((candidate) => candidate.id === integrationId);
  if (!integration) throw notFound(`The stack's integration "${integrationId}" does not exist.`);
  return check(context.bitbucket, await credentialOf(context.credentials, integration), stack, context.publicUrl, scope.signal);
}

/** What a drift check found, with its drifted resources (masked when they were recorded); null for any other run, or before it ended. */
export async function runDrift(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsDrift>): Promise<Protocol.DriftResult | null> {
  const { record } = await visibleRun(context, params.runId, 'read', 'Reading a drift check');
  return record.drift;
}
