// How long to wait before the next attempt to reach a team server that went away: doubling from half
// a second to half a minute, with jitter so that a restarted server is not met by every editor at once.
const FIRST_MS = 500;
const MAX_MS = 30_000;

export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}
