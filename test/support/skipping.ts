// Skipping a test that cannot run on this machine, by the suite's rule (.mocharc.cjs): never silently.
// Outside CI the reason is printed and the test is skipped; under CI=true mocha fails any skipped
// test, and a safety test (what a full disk does to deliveries, say) fails here already, with its
// reason, whatever mocha is told: CI must never pass without having run it.
import type { Context } from 'mocha';

/** Whether this run is CI's (`.ci/run` sets CI=true), where every test must run. */
export const IN_CI = process.env.CI === 'true';

/** Skips the current test (or, from a hook, its suite), saying why. */
export function skipBecause(context: Context, reason: string): never {
  process.stdout.write(`      skipped: ${reason}\n`);
  context.skip();
}

/** As skipBecause, but under CI=true the safety test fails with the reason instead. */
export function skipSafetyTest(context: Context, reason: string): never {
  if (IN_CI) throw new Error(`A safety test cannot run: ${reason}. Under CI=true it may not be skipped; run CI where it can run.`);
  return skipBecause(context, reason);
}
