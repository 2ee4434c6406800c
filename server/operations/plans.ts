// The structured plan of a run and one resource's change, read as for the run. The structured plan
// (counts and rows, no values) is in the store engine, so any replica answers it. A resource's
// before and after values come from the `show -json` document, which holds sensitive values and so
// stays on the host that planned the run (0600, sealed on a team server, 24 h): it is read there,
// masked as it is read (plans/resourceChange.ts), and another replica answers NotFound saying where.
import { promises as fs } from 'node:fs';
import type { ServerContext } from '../context';
import { notFound, unavailable } from '../errors';
import type * as Protocol from '../protocol';
import { readResourceChange } from '../plans/resourceChange';
import { openProtected, PLAN_KEPT_MS, planDocumentOf } from '../runs/planFiles';
import { visibleRun } from './runs';

export async function runPlan(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsPlan>): Promise<Protocol.StructuredPlan> {
  const { record } = await visibleRun(context, params.runId, 'read', 'Reading a run\'s plan');
  const plan = await context.runPlans?.get(params.runId);
  if (!plan) {
    const why = record.run.plan === null ? 'only OpenTofu and Terraform runs of the local runner have one, once they have planned' : 'it is no longer kept (the newest 1,000 are)';
    throw notFound(`The run ${params.runId} has no structured plan: ${why}.`);
  }
  return plan;
}

export async function resourceChange(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsResourceChange>): Promise<Protocol.ResourceChange> {
  const { record } = await visibleRun(context, params.runId, 'read', 'Reading a run\'s resource change');
  if (!context.execution) throw unavailable('This Stackhook server does not execute runs.');
  const document = planDocumentOf(context.execution.book.folder, params.runId);
  if (!(await fs.stat(document).then(() => true, () => false))) {
    throw notFound(
      `The values of run ${params.runId}'s plan are not on this server. They hold the plan's secrets, so they stay on the host that planned the run` +
        `${record.owner ? ` (${record.owner.split(':')[0]})` : ''}, for ${PLAN_KEPT_MS / 3_600_000} h after the plan; the run's structured plan lists its changes without them.`,
    );
  }
  const label = `document:${params.runId}`;
  const key = context.planKey ?? null;
  const change = (await readResourceChange(await openProtected(document, key, label), params.address)) ?? (await readResourceChange(await openProtected(document, key, label), params.address, { drift: true }));
  if (!change) throw notFound(`The plan of run ${params.runId} changes no resource ${params.address}. Read the run's plan for the addresses it changes.`);
  return change;
}
