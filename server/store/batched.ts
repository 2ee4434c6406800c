// Calls in waves: what is submitted while flushes are in flight waits and goes out with the next
// flush, all of it at once. Used as group commit, one durable commit (a WAL flush, an fsync) is shared
// by everything that arrived while the previous one ran; used for reads, one query answers every
// caller that asked before it was sent. With two flushes in flight, the next one is already waiting at
// the database when the one before it commits.

interface Waiting<I, O> {
  item: I;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

export class Batched<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;

  constructor(
    /** Commits a batch at once; answers one outcome per item, in order. A throw fails every item. */
    private readonly flush: (items: readonly I[]) => Promise<readonly O[]>,
    /** Flushes at once at most: one, when each must start after the one before it ended. */
    private readonly maxInFlight = 1,
    /** More than this waits for the next flush, so one transaction stays a bounded size. */
    private readonly maxBatch = 500,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.flush(batch.map((entry) => entry.item))
        .then(
          (outcomes) => batch.forEach((entry, i) => entry.resolve(outcomes[i] as O)),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
