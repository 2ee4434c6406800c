// When a stack's drift checks are due (R26, R27): its cron expression, in UTC or a named time zone,
// parsed by croner, and the one slot due at a moment. A slot is a time the expression names; the
// slot due at `now` is the latest one at or before `now` that is later than the last one claimed
// (or than the moment the schedule was set). So the slots missed while every server was down are due
// as one, the latest, and a schedule picks up where the store says it was after any restart.
import { Cron } from 'croner';
import { invalid } from '../errors';
import type { DriftSchedule } from '../protocol';

/** Schedules that check more often than this are refused: a drift check is a full refresh of real infrastructure. */
export const MIN_DRIFT_INTERVAL_MS = 5 * 60_000;

/** Whether `zone` is a time zone this runtime knows (IANA names, `UTC`). */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronOf(schedule: DriftSchedule): Cron {
  // Five fields only: minute precision, the crontab people know; `paused` so nothing is ever scheduled by croner itself.
  return new Cron(schedule.cron, { timezone: schedule.timeZone, mode: '5-part', paused: true, domAndDow: false });
}

/**
 * Checks a schedule and answers it with its time zone spelled out. A bad expression, an unknown time
 * zone or checks closer together than MIN_DRIFT_INTERVAL_MS are refused (Invalid, field
 * `driftSchedule`), in words that say how to fix it.
 */
export function requireDriftSchedule(schedule: DriftSchedule): DriftSchedule {
  if (!knownTimeZone(schedule.timeZone)) {
    throw invalid(`The drift schedule's time zone "${schedule.timeZone}" is not one this server knows: use UTC or an IANA name such as Europe/Stockholm.`).about('driftSchedule');
  }
  let cron: Cron;
  try {
    cron = cronOf(schedule);
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    throw invalid(
      `The drift schedule "${schedule.cron}" is not a cron expression Stackhook reads (${why}). ` +
        'Write five fields, minute hour day-of-month month day-of-week: "0 * * * *" checks every hour, "30 6 * * 1-5" at 06:30 on weekdays.',
    ).about('driftSchedule');
  }
  const [first, second] = cron.nextRuns(2, new Date(Date.UTC(2030, 0, 1)));
  if (!first || !second) throw invalid(`The drift schedule "${schedule.cron}" never runs: give it a time that comes.`).about('driftSchedule');
  // The tightest spacing of the expression shows within its first runs of a day (`*/2 * * * *`, `0,1 * * * *`).
  const runs = cron.nextRuns(60, new Date(Date.UTC(2030, 0, 1)));
  for (let i = 1; i < runs.length; i++) {
    if ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime() < MIN_DRIFT_INTERVAL_MS) {
      throw invalid(
        `The drift schedule "${schedule.cron}" checks more often than every ${MIN_DRIFT_INTERVAL_MS / 60_000} minutes. ` +
          'A drift check refreshes every resource against the real infrastructure: choose "*/15 * * * *" or slower.',
      ).about('driftSchedule');
    }
  }
  return { cron: schedule.cron.trim(), timeZone: schedule.timeZone };
}

/**
 * The slot due at `now`: the latest time the schedule names that is at or before `now` and later
 * than `after` (the last slot claimed, or when the schedule was set). Null when none is due.
 */
export function dueSlot(schedule: DriftSchedule, after: Date, now: Date): Date | null {
  if (now.getTime() <= after.getTime()) return null;
  let cron: Cron;
  try {
    cron = cronOf(schedule);
  } catch {
    return null;
  }
  // croner's previousRuns counts back from `now` (exclusive); a slot exactly at `now` is due too.
  const next = cron.nextRun(new Date(now.getTime() - 1));
  const latest = next && next.getTime() === now.getTime() ? next : (cron.previousRuns(1, now)[0] ?? null);
  return latest && latest.getTime() > after.getTime() ? latest : null;
}

/** The next slot after `moment`, for people ("next check at …") and for the scheduler's sleep. */
export function nextSlot(schedule: DriftSchedule, moment: Date): Date | null {
  try {
    return cronOf(schedule).nextRun(moment);
  } catch {
    return null;
  }
}
