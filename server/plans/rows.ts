// Bounded lists of a plan's rows. A plan's size is whoever wrote the configuration's choice, so each
// list keeps at most MAX_PLAN_ROWS rows and says when it dropped some; the resource rows keep the
// ones that matter most (destroys, then replaces, then changes, then no-ops) and come out in the
// order a reviewer reads them: destroys, replaces, then the rest in the plan's own order.
import type { PlanAction } from '../protocol/plan';

interface Entry<T> {
  row: T;
  seq: number;
}

/** 0 destroy, 1 replace, 2 other change, 3 no-op: the lower, the more a reviewer needs to see it. */
const importance = (action: PlanAction): number => (action === 'delete' ? 0 : action === 'replace' ? 1 : action === 'no-op' ? 3 : 2);

export class RankedRows<T extends { action: PlanAction }> {
  private readonly buckets: Entry<T>[][] = [[], [], [], []];
  private size = 0;
  private seq = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  add(row: T): void {
    const rank = importance(row.action);
    const entry = { row, seq: this.seq++ };
    if (this.size < this.cap) {
      this.buckets[rank]?.push(entry);
      this.size++;
      return;
    }
    this.truncated = true;
    // Full: the latest of the least important rows makes room for a more important one.
    for (let r = 3; r > rank; r--) {
      const bucket = this.buckets[r];
      if (bucket !== undefined && bucket.length > 0) {
        bucket.pop();
        this.buckets[rank]?.push(entry);
        return;
      }
    }
  }

  rows(): T[] {
    const [deletes = [], replaces = [], changes = [], noOps = []] = this.buckets;
    const rest = [...changes, ...noOps].sort((a, b) => a.seq - b.seq);
    return [...deletes, ...replaces, ...rest].map((entry) => entry.row);
  }
}

export class CappedRows<T> {
  private readonly list: T[] = [];
  truncated = false;

  constructor(private readonly cap: number) {}

  add(row: T): void {
    if (this.list.length < this.cap) this.list.push(row);
    else this.truncated = true;
  }

  rows(): T[] {
    return this.list;
  }
}
