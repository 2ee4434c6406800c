// Starts scheduled drift checks (R27). Every process on a store runs a scheduler; each slot of a
// stack's schedule is claimed by compare-and-set in the store (DriftSlots), so whichever process
// claims it queues the check and the others find it taken: a slot runs once across processes and
// replicas. The slot due is the latest one at or before now, later than the last claimed (or than
// when the schedule was set): slots missed while every process was down are due as one, at start-up.
// The store keeps the last slots, so schedules survive restarts. The clock is handed in, so tests
// drive the scheduler with a clock of their own instead of waiting.
import { describeError } from '../errors';
import type { Logger } from '../log';
import type { DriftSchedule } from '../protocol';
import { dueSlot, nextSlot } from '../registry/driftSchedule';
import type { RegistryState, StoredStack } from '../registry/state';
import type { DriftSlots, Registry, SlotClaim } from '../store/storeEngine';

export interface DriftSchedulerParts {
  readonly store: Pick<Registry, 'read'>;
  readonly slots: DriftSlots;
  /** Who claims (this process's name on the store). */
  readonly owner: string;
  /** Queues the drift check of a claimed slot (trigger `schedule`), as this process's run. */
  readonly queue: (stack: StoredStack, slot: Date) => Promise<void>;
  readonly now: () => Date;
  readonly log: Logger;
}

/** What one look found: slots due, claimed here, and queued here. */
export interface Tick {
  due: number;
  claimed: number;
  queued: number;
}

export class DriftScheduler {
  /**
   * Each scheduled stack's next slot as last worked out, and what it was worked out from: a look
   * finds a stack not due without asking croner or the store (1,000 stacks cost a few map lookups).
   */
  private readonly next = new Map<string, { key: string; at: number }>();
  private lastSlots: Map<string, Date> | null = null;
  private running: Promise<Tick> | null = null;

  constructor(private readonly parts: DriftSchedulerParts) {}

  /** Looks once: claims every slot due now and queues the checks this process claimed. One look at a time. */
  tick(): Promise<Tick> {
    if (!this.running) this.running = this.look().finally(() => (this.running = null));
    return this.running;
  }

  /** Looks now and every `everyMs` until the returned function is called. */
  start(everyMs: number): () => void {
    const look = () => void this.tick().catch((error: unknown) => this.parts.log.warn(`Looking for due drift checks failed: ${describeError(error)}`));
    look();
    const timer = setInterval(look, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async look(): Promise<Tick> {
    const now = this.parts.now();
    const state = await this.parts.store.read();
    const scheduled = scheduledStacks(state);
    this.forgetOthers(scheduled);
    const maybeDue = scheduled.filter((stack) => (this.next.get(stack.id) ?? null) === null || this.next.get(stack.id)?.key !== keyOf(stack) || (this.next.get(stack.id)?.at ?? 0) <= now.getTime());
    if (maybeDue.length === 0) return { due: 0, claimed: 0, queued: 0 };
    // Read afresh whenever something may be due: another process may have claimed since.
    this.lastSlots = await this.parts.slots.lastSlots();
    const claims: SlotClaim[] = [];
    const byId = new Map<string, StoredStack>();
    for (const stack of maybeDue) {
      const after = this.sinceOf(stack);
      const slot = dueSlot(stack.driftSchedule as DriftSchedule, after, now);
      if (slot) {
        claims.push({ stackId: stack.id, slot });
        byId.set(stack.id, stack);
        this.remember(stack, slot);
      } else this.remember(stack, after);
    }
    if (claims.length === 0) return { due: 0, claimed: 0, queued: 0 };
    const won = await this.parts.slots.claim(claims, this.parts.owner);
    let queued = 0;
    for (const claim of claims) {
      this.lastSlots.set(claim.stackId, claim.slot);
      if (!won.has(claim.stackId)) continue;
      try {
        await this.parts.queue(byId.get(claim.stackId) as StoredStack, claim.slot);
        queued += 1;
      } catch (error) {
        // The slot is spent: a check that cannot be queued now (the stack was detached or deleted meanwhile) waits for the next one.
        this.parts.log.warn(`The drift check of stack ${claim.stackId} due at ${claim.slot.toISOString()} could not be queued: ${describeError(error)}`);
      }
    }
    return { due: claims.length, claimed: won.size, queued };
  }

  /** The slot after which the stack's next check is due: its last claimed, or when its schedule was set. */
  private sinceOf(stack: StoredStack): Date {
    const set = new Date(stack.driftSince ?? stack.createdAt);
    const last = this.lastSlots?.get(stack.id);
    return last && last.getTime() > set.getTime() ? last : set;
  }

  private remember(stack: StoredStack, after: Date): void {
    const next = nextSlot(stack.driftSchedule as DriftSchedule, after);
    this.next.set(stack.id, { key: keyOf(stack), at: next ? next.getTime() : Number.POSITIVE_INFINITY });
  }

  private forgetOthers(scheduled: readonly StoredStack[]): void {
    const ids = new Set(scheduled.map((stack) => stack.id));
    for (const id of this.next.keys()) if (!ids.has(id)) this.next.delete(id);
  }
}

/** Attached stacks with a schedule: a detached stack gets no run (R12). */
export function scheduledStacks(state: RegistryState): StoredStack[] {
  return state.stacks.filter((stack) => stack.driftSchedule && stack.integrationId !== null);
}

/** What a stack's next slot is worked out from: its schedule and when it was set. */
function keyOf(stack: StoredStack): string {
  return `${stack.driftSchedule?.cron ?? ''}\n${stack.driftSchedule?.timeZone ?? ''}\n${stack.driftSince ?? stack.createdAt}`;
}
