// Acknowledging a run a plan policy denies (R31): an admin of the stack's space, who did not trigger
// the run, records who, when and why; the run can then be confirmed. Recorded in the run-events log
// like a decision, so of two processes asked at once the log decides, and a run that moved on (ended,
// being stopped, no longer held) refuses it.
import type { ServerContext } from '../context';
import { conflict, notFound, unavailable } from '../errors';
import type * as Protocol from '../protocol';
import { requireVisibleStack } from '../registry/access';
import { requireAcknowledger } from '../registry/policies';
import { authorsOf, heldByPolicy } from '../runs/policyGate';

export async function acknowledgeRun(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsAcknowledge>): Promise<Protocol.Run> {
  const execution = context.execution;
  if (!execution) throw unavailable('This Stackhook server does not execute runs.');
  await execution.book.refresh();
  const record = execution.book.record(params.runId);
  if (!record) throw notFound(`There is no run "${params.runId}". List runs to see their ids.`);
  const state = await context.store.read();
  const stack = requireVisibleStack(state, context.user, record.run.stackId);
  requireAcknowledger(state, context.user, stack, authorsOf(record.run));
  if (!heldByPolicy(record.run)) {
    const why = record.run.policy?.acknowledged ? `it was already acknowledged by ${record.run.policy.acknowledged.by}` : 'no plan policy denies it';
    throw conflict(`The run ${record.run.id} needs no acknowledgement: ${why}.`, { state: record.run.state });
  }
  const written = await execution.book.write(params.runId, { acknowledge: { reason: params.reason }, by: context.user });
  const now = written.record ?? record;
  if (!written.accepted) throw conflict(`The run ${record.run.id} is ${now.run.state}: it can no longer be acknowledged.`, { state: now.run.state });
  context.changed(['runs']);
  return now.run;
}
