// Deliveries to unknown or deleted integrations carry no signature anyone can check, so anyone on
// the internet can send them. They are recorded (R15) in a log of their own, apart from real
// deliveries, and only so many per minute: past the budget they are counted, and the next one
// recorded says how many were not.
const REFUSALS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

export class RefusalBudget {
  private windowStart = 0;
  private used = 0;
  private unrecorded = 0;

  constructor(
    private readonly perMinute = REFUSALS_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this refusal may be recorded, and how many went unrecorded before it. */
  take(): { record: true; skippedBefore: number } | { record: false } {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.unrecorded += 1;
      return { record: false };
    }
    this.used += 1;
    const skippedBefore = this.unrecorded;
    this.unrecorded = 0;
    return { record: true, skippedBefore };
  }
}
