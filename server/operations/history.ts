// Runs and deliveries, newest first, limited to what the user may see.
import type { z } from 'zod';
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { canList } from '../registry/access';
import { visibleStacks } from './stacks';

type Params<T extends { params: z.ZodType }> = z.output<T['params']>;

const DEFAULT_LIMIT = 100;

function newestFirst<T>(items: readonly T[], keep: (item: T) => boolean, limit: number): T[] {
  const result: T[] = [];
  for (let i = items.length - 1; i >= 0 && result.length < limit; i -= 1) {
    const item = items[i] as T;
    if (keep(item)) result.push(item);
  }
  return result;
}

export async function listRuns(context: ServerContext, params: Params<typeof Protocol.RunsList>) {
  const state = await context.store.read();
  await context.runs.refresh();
  const visible = new Set(visibleStacks(state, context.user).map((stack) => stack.id));
  return newestFirst(
    context.runs.all(),
    (run) => visible.has(run.stackId) && (params.stackId === undefined || run.stackId === params.stackId),
    params.limit ?? DEFAULT_LIMIT,
  );
}

/** Deliveries of integrations the user may list, and of ids no integration holds (any reader may see refusals). */
export async function listDeliveries(context: ServerContext, params: Params<typeof Protocol.DeliveriesList>) {
  const state = await context.store.read();
  await context.deliveries.refresh();
  const hidden = new Set(state.integrations.filter((integration) => !canList(state, context.user, integration)).map((i) => i.id));
  return newestFirst(context.deliveries.all(), (delivery) => !hidden.has(delivery.integrationId), params.limit ?? DEFAULT_LIMIT);
}
