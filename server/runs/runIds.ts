// Run ids, given to every run as it is queued (queue.ts).
import { randomBytes } from 'node:crypto';

/** Unique across processes (a random part per process) and cheap enough for every delivery. */
const PROCESS_PART = randomBytes(4).toString('hex');
let runCounter = 0;

export function newRunId(now: Date): string {
  runCounter = (runCounter + 1) % 1_679_616;
  return `${now.getTime().toString(36)}-${PROCESS_PART}-${runCounter.toString(36).padStart(4, '0')}`;
}
