// What version of code-server answered `--version`. On its first run code-server logs lines such as
// `[2026-12-01T18:08:36.694Z] info  Wrote default config file to …` before the version, so the
// version is the line that starts with one, never simply the first word of the output.

/** `4.139.1 6f2c… with Code 1.139.1` → `4.139.1`; null when no line of the output holds a version. */
export function parseCodeServerVersion(output: string): string | null {
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\s|$)/.exec(line);
    if (match) return match[1] ?? null;
  }
  return null;
}
