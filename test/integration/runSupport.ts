// What the run tests share: limits short enough for loopback (polls, retries, kill grace).
export const RUN_ENV = {
  STACKHOOK_BITBUCKET_TIMEOUT_MS: '1500',
  STACKHOOK_BITBUCKET_BACKOFF_MS: '20',
  STACKHOOK_RUN_POLL_MS: '40',
  STACKHOOK_RUN_POLL_MAX_MS: '150',
  STACKHOOK_RUN_RETRY_MS: '20',
  STACKHOOK_RUN_KILL_GRACE_MS: '500',
};

/** Whether no process has this pid any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A bitbucket-pipelines.yml that defines the custom pipeline runs trigger by default. */
export const PIPELINES_YAML = 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          script:\n            - tofu plan\n';
