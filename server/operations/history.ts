// Runs and deliveries, newest first, limited to what the user may see.
//
// Runs live in two logs: manual runs in the runs log, and runs queued by a delivery inside that
// delivery's line of the deliveries log (written with it at once, R16). Each log is in write order,
// so listing runs merges the two from their newest ends and stops at the limit instead of sorting.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { canList } from '../registry/access';
import { currentRun } from '../runs/current';
import { publicDelivery, type StoredDelivery } from '../webhooks/storedDelivery';
import { visibleStacks } from './stacks';

const DEFAULT_LIMIT = 100;

function newestFirst<T>(items: Iterable<T>, keep: (item: T) => boolean, limit: number): T[] {
  const result: T[] = [];
  if (limit <= 0) return result;
  for (const item of items) {
    if (!keep(item)) continue;
    result.push(item);
    if (result.length >= limit) break;
  }
  return result;
}

function* backwards<T>(items: readonly T[]): Generator<T> {
  for (let i = items.length - 1; i >= 0; i -= 1) yield items[i] as T;
}

function* deliveryRunsBackwards(deliveries: readonly StoredDelivery[]): Generator<Protocol.QueuedRun> {
  for (const delivery of backwards(deliveries)) yield* backwards(delivery.runs);
}

/**
 * Two newest-first sequences as one, by `createdAt` (ISO times compare as strings). Lines of several
 * processes may land slightly out of time order; the merge then keeps each log's own order.
 */
function* mergeNewestFirst(a: Iterator<Protocol.QueuedRun>, b: Iterator<Protocol.QueuedRun>): Generator<Protocol.QueuedRun> {
  let nextA = a.next();
  let nextB = b.next();
  while (!nextA.done && !nextB.done) {
    if (nextA.value.createdAt >= nextB.value.createdAt) {
      yield nextA.value;
      nextA = a.next();
    } else {
      yield nextB.value;
      nextB = b.next();
    }
  }
  for (; !nextA.done; nextA = a.next()) yield nextA.value;
  for (; !nextB.done; nextB = b.next()) yield nextB.value;
}

export async function listRuns(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RunsList>) {
  const state = await context.store.read();
  await Promise.all([context.runs.refresh(), context.deliveries.refresh(), context.execution?.book.refresh()]);
  const visible = new Set(visibleStacks(state, context.user).map((stack) => stack.id));
  return newestFirst(
    mergeNewestFirst(backwards(context.runs.all()), deliveryRunsBackwards(context.deliveries.all())),
    (run) => visible.has(run.stackId) && (params.stackId === undefined || run.stackId === params.stackId),
    params.limit ?? DEFAULT_LIMIT,
  ).map((run) => currentRun(context, run));
}

/** Deliveries of integrations the user may list, and of ids no integration holds (any reader may see refusals). */
export async function listDeliveries(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.DeliveriesList>): Promise<Protocol.Delivery[]> {
  const state = await context.store.read();
  await context.deliveries.refresh();
  const hidden = new Set(state.integrations.filter((integration) => !canList(state, context.user, integration)).map((i) => i.id));
  return newestFirst(backwards(context.deliveries.all()), (delivery) => !hidden.has(delivery.integrationId), params.limit ?? DEFAULT_LIMIT).map(publicDelivery);
}
