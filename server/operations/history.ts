// Runs and deliveries, newest first, limited to what the user may see.
//
// Runs live in two logs: manual runs in the runs log, and runs queued by a delivery inside that
// delivery's line of the deliveries log (written with it at once, R16). Each log is in write order,
// so listing runs merges the two from their newest ends and stops at the limit instead of sorting.
import type { ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { visibleDelivery, visibleStacks } from '../registry/access';
import { currentRun } from '../runs/current';
import { publicDelivery, type StoredDelivery } from '../store/storedDelivery';

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
function* mergeNewestFirst<T>(a: Iterator<T>, b: Iterator<T>, timeOf: (item: T) => string): Generator<T> {
  let nextA = a.next();
  let nextB = b.next();
  while (!nextA.done && !nextB.done) {
    if (timeOf(nextA.value) >= timeOf(nextB.value)) {
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
    mergeNewestFirst(backwards(context.runs.all()), deliveryRunsBackwards(context.deliveries.all()), (run) => run.createdAt),
    (run) => visible.has(run.stackId) && (params.stackId === undefined || run.stackId === params.stackId),
    params.limit ?? DEFAULT_LIMIT,
  ).map((run) => currentRun(context.execution, run));
}

/** Deliveries the user may see (access.ts decides), newest first. */
export async function listDeliveries(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.DeliveriesList>): Promise<Protocol.Delivery[]> {
  const state = await context.store.read();
  await Promise.all([context.deliveries.refresh(), context.refusals.refresh()]);
  // Refusals for unknown or deleted integrations are kept in a log of their own (they are unsigned).
  const all = mergeNewestFirst(backwards(context.deliveries.all()), backwards(context.refusals.all()), (delivery) => delivery.receivedAt);
  const shown = (function* () {
    for (const delivery of all) {
      const visible = visibleDelivery(state, context.user, publicDelivery(delivery));
      if (visible) yield visible;
    }
  })();
  return newestFirst(shown, () => true, params.limit ?? DEFAULT_LIMIT);
}
