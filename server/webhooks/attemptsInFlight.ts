// R16 within one process: Bitbucket may retry a delivery while its first attempt is still being
// handled (it saw no answer in time). Attempts of one delivery here take turns, so the retry finds
// the first one's record; attempts in other processes are settled by the store engine
// (DeliveryRecorder, store/storeEngine.ts).
import { deliveryKey } from '../store/storedDelivery';

export class AttemptsInFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** Runs `work` for one delivery at a time: a retry that arrives mid-handling waits for the first attempt. */
  async exclusively<T>(integrationId: string, requestUuid: string, work: () => Promise<T>): Promise<T> {
    const key = deliveryKey(integrationId, requestUuid);
    for (let pending = this.inFlight.get(key); pending; pending = this.inFlight.get(key)) await pending.catch(() => undefined);
    // Nothing awaits between the check above and this line, so no second attempt can slip in.
    const task = work();
    this.inFlight.set(key, task);
    try {
      return await task;
    } finally {
      if (this.inFlight.get(key) === task) this.inFlight.delete(key);
    }
  }
}
