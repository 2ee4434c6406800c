// Progress lines for the editor-host, packaging and start scripts: a short tag and the seconds
// since the script started, so a slow step in a CI log is easy to spot.
const started = Date.now();

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
}

export function log(tag: string, message: string): void {
  process.stderr.write(`[${tag} ${elapsed()}] ${message}\n`);
}

/** Runs `work`, logging its start and how long it took. */
export async function step<T>(tag: string, what: string, work: () => Promise<T>): Promise<T> {
  const begin = Date.now();
  log(tag, `${what}…`);
  const result = await work();
  log(tag, `${what}: done in ${((Date.now() - begin) / 1000).toFixed(1)}s`);
  return result;
}
