// Plan and apply commands that log their own start, heartbeat and end (with the run, stack and pid)
// to an HTTP collector on loopback, so a test proves by what the commands themselves did, across
// processes, kills and pauses, that no two steps of a stack overlapped, that no run applied twice and
// that runs applied in the order they were queued. HTTP, not a file: a sandboxed run sees no file of
// the test's, but shares the network.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StepEvent {
  kind: 'start' | 'beat' | 'end';
  step: string;
  run: string;
  stack: string;
  pid: number;
  at: number;
}

/**
 * One step as it happened: from its start to its end, or to its last heartbeat when it never ended
 * (killed): what the step itself showed of being alive, so an overlap found is one that happened.
 */
export interface StepInterval {
  step: string;
  run: string;
  stack: string;
  pid: number;
  start: number;
  end: number;
  ended: boolean;
}

/** How often a step says it is still alive: the resolution of the overlap check for steps that never ended. */
const BEAT_MS = 25;

const SCRIPT = `
const [url, step, ms, line] = process.argv.slice(1);
const base = { step, run: process.env.STACKHOOK_RUN_ID, stack: process.env.STACKHOOK_STACK, pid: process.pid };
const send = (kind) => fetch(url, { method: 'POST', body: JSON.stringify({ ...base, kind, at: Date.now() }) }).catch(() => undefined);
(async () => {
  await send('start');
  const beat = setInterval(() => void send('beat'), ${BEAT_MS});
  await new Promise((resolve) => setTimeout(resolve, Number(ms)));
  clearInterval(beat);
  await send('end');
  console.log(line);
})();
`;

export interface StepLog {
  readonly url: string;
  readonly events: StepEvent[];
  /** A command for a stack's runner: logs its start, works `ms`, logs its end, then prints `line` (the plan line). */
  command(step: string, ms: number, line: string): string[];
  intervals(stack?: string): StepInterval[];
  /** The steps of `stack` that overlapped another step of it, in words; empty when none did. */
  overlaps(stack: string): string[];
  /** How many times each run started `step`. */
  starts(step: string, stack?: string): Map<string, number>;
  /** The runs of `stack` in the order their `step` started. */
  order(step: string, stack: string): string[];
  stop(): Promise<void>;
}

export async function startStepLog(): Promise<StepLog> {
  const events: StepEvent[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        events.push(JSON.parse(body) as StepEvent);
      } catch {
        // Not a step's word: ignored.
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/steps`;

  const intervals = (stack?: string): StepInterval[] => {
    const byStep = new Map<string, StepInterval>();
    for (const event of events) {
      if (stack !== undefined && event.stack !== stack) continue;
      const key = `${event.run} ${event.step} ${event.pid}`;
      const known = byStep.get(key);
      if (event.kind === 'start') byStep.set(key, { step: event.step, run: event.run, stack: event.stack, pid: event.pid, start: event.at, end: event.at, ended: false });
      else if (known && !known.ended) {
        known.end = Math.max(known.end, event.at);
        known.ended = event.kind === 'end';
      }
    }
    return [...byStep.values()].sort((a, b) => a.start - b.start);
  };

  return {
    url,
    events,
    command: (step, ms, line) => [process.execPath, '-e', SCRIPT, url, step, String(ms), line],
    intervals,
    overlaps(stack) {
      const found: string[] = [];
      const steps = intervals(stack);
      for (let i = 0; i < steps.length; i++) {
        for (let j = i + 1; j < steps.length; j++) {
          const [a, b] = [steps[i] as StepInterval, steps[j] as StepInterval];
          if (b.start < a.end) found.push(`${a.run} ${a.step} (pid ${a.pid}, ${a.start}–${a.end}${a.ended ? '' : ', never ended'}) overlaps ${b.run} ${b.step} (pid ${b.pid}, from ${b.start})`);
        }
      }
      return found;
    },
    starts(step, stack) {
      const counts = new Map<string, number>();
      for (const event of events) if (event.kind === 'start' && event.step === step && (stack === undefined || event.stack === stack)) counts.set(event.run, (counts.get(event.run) ?? 0) + 1);
      return counts;
    },
    order(step, stack) {
      return intervals(stack)
        .filter((interval) => interval.step === step)
        .map((interval) => interval.run);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
