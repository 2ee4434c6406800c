// The limits runs keep to, with defaults that suit one machine; the environment may change them
// (tests shorten the pipeline polling, for instance).
export interface RunSettings {
  /** Local runs executing at once in this process (a stack's tracked runs also go one at a time). */
  concurrency: number;
  /** First wait between two looks at a pipeline; it grows by half each time up to `pollMaxMs`. */
  pollMs: number;
  pollMaxMs: number;
  /** A run that takes longer is stopped. */
  timeoutMs: number;
  /** Bytes of log kept per run. */
  logCap: number;
  /** First wait before retrying a passing Bitbucket failure. */
  retryDelayMs: number;
  /** After TERM, how long a local command has before it gets KILL. */
  killGraceMs: number;
  /** How long a tool run's plan waits for a Confirm before its plan file is deleted (24 h at most). */
  planKeptMs: number;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = {
  concurrency: 2,
  pollMs: 2_000,
  pollMaxMs: 30_000,
  timeoutMs: 60 * 60_000,
  logCap: 1024 * 1024,
  retryDelayMs: 1_000,
  killGraceMs: 5_000,
  planKeptMs: 24 * 60 * 60_000,
};

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name]);
  return env[name] !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

export function runSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RunSettings {
  const d = DEFAULT_RUN_SETTINGS;
  return {
    concurrency: positive(env, 'STACKHOOK_RUN_CONCURRENCY', d.concurrency),
    pollMs: positive(env, 'STACKHOOK_RUN_POLL_MS', d.pollMs),
    pollMaxMs: positive(env, 'STACKHOOK_RUN_POLL_MAX_MS', d.pollMaxMs),
    timeoutMs: positive(env, 'STACKHOOK_RUN_TIMEOUT_MS', d.timeoutMs),
    logCap: positive(env, 'STACKHOOK_RUN_LOG_CAP', d.logCap),
    retryDelayMs: positive(env, 'STACKHOOK_RUN_RETRY_MS', d.retryDelayMs),
    killGraceMs: positive(env, 'STACKHOOK_RUN_KILL_GRACE_MS', d.killGraceMs),
    planKeptMs: Math.min(positive(env, 'STACKHOOK_PLAN_KEPT_MS', d.planKeptMs), d.planKeptMs),
  };
}
