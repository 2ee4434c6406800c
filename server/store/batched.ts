// Calls in waves: what is submitted while a flush is in flight waits and goes out with the next flush,
// all of it at once. Used as group commit, one durable commit (a WAL flush, an fsync) is shared by
// everything that arrived while the previous one ran; used for reads, one query answers every caller
// that asked before it was sent. Flushes never overlap, so each one is ordered after the one before.

interface Waiting<I, O> {
  item: I;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

export class Batched<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private flushing = false;

  constructor(
    /** Commits a batch at once; answers one outcome per item, in order. A throw fails every item. */
    private readonly flush: (items: readonly I[]) => Promise<readonly O[]>,
    /** More than this waits for the next flush, so one transaction stays a bounded size. */
    private readonly maxBatch = 500,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const outcomes = await this.flush(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve(outcomes[i] as O));
      } catch (error) {
        batch.forEach((entry) => entry.reject(error));
      }
    }
    this.flushing = false;
  }
}
