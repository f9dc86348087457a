import { Cron } from 'croner';
import type { ScheduleConfig } from '../config/sections/schedules';
import { latestDue, nextDue, type ZonedCron, zonedCron } from './zoned-cron';

/**
 * When a schedule is due. A platform timer ticks once a minute; on each tick a schedule is due
 * when one of its due times lies in (last run, tick]. Several due times in that interval (the
 * deployment was down, or a tick was lost) are NOT replayed one by one: the latest runs once and
 * `missedSince` reports the first one skipped, because a job such as archive-flush or a sync does
 * the work of every missed run in one go, and a burst of catch-up runs would only repeat it.
 */
export interface DueRun {
  /** Epoch ms of the due time that runs now (stable across instances: claims and event ids use it). */
  due: number;
  /** Epoch ms of the first due time that was skipped, when some were. */
  missedSince?: number;
}

/**
 * A schedule never run before looks back this far: a cron due time within the last tick (plus
 * slack for a late timer) runs now; an older one does not, so a nightly job added at noon waits
 * for the night instead of running at deploy time.
 */
export const FIRST_LOOK_BACK_MS = 90_000;

/**
 * Croner, five fields only (seconds would promise more than a one-minute timer can keep), read as
 * wall-clock time in `timezone` (an IANA name; UTC when unset). Day-of-month and day-of-week
 * combine with OR when both are restricted, as in Vixie cron. Due times across daylight-saving
 * changes are worked out in zoned-cron.ts, not by croner: a time the clocks skip runs once just
 * after the gap, a time they pass twice runs once, the first time, and an expression for every
 * hour keeps to real hours.
 * https://github.com/hexagon/croner#pattern
 */
export function parseCron(expression: string, timezone = 'UTC'): Cron {
  return new Cron(expression, { timezone, mode: '5-part' });
}

/** Whether the runtime knows `timezone` as an IANA time zone name. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is unusable (in `timezone`, when given), or undefined when it is fine. */
export function cronProblem(expression: string, now: number, timezone?: string): string | undefined {
  let cron: Cron;
  try {
    cron = parseCron(expression, timezone);
  } catch (e) {
    return `invalid cron expression: ${(e as Error).message}`;
  }
  // A valid pattern can still name no day that exists (e.g. "0 0 31 2 *").
  if (!cron.nextRun(new Date(now))) return 'the cron expression never fires';
  return undefined;
}

const cache = new Map<string, ZonedCron>();
function cronOf(expression: string, timezone = 'UTC'): ZonedCron {
  const key = `${timezone} ${expression}`;
  let cron = cache.get(key);
  if (!cron) cache.set(key, (cron = zonedCron(expression, timezone)));
  return cron;
}

function cronDue(expression: string, timezone: string | undefined, at: number, last: number | undefined): DueRun | undefined {
  const cron = cronOf(expression, timezone);
  const latest = latestDue(cron, at);
  const since = last ?? at - FIRST_LOOK_BACK_MS;
  if (latest === undefined || latest <= since) return undefined;
  const first = last === undefined ? latest : nextDue(cron, last);
  return first !== undefined && first < latest ? { due: latest, missedSince: first } : { due: latest };
}

/** Due times of everySeconds are multiples of the period since the epoch: the same on every instance. */
function intervalDue(everySeconds: number, at: number, last: number | undefined): DueRun | undefined {
  const period = everySeconds * 1000;
  const latest = Math.floor(at / period) * period;
  if (last !== undefined && latest <= last) return undefined;
  return last !== undefined && last + period < latest ? { due: latest, missedSince: last + period } : { due: latest };
}

/** The run due at `at` given the due time of the last run (undefined: never ran). */
export function dueRun(schedule: Pick<ScheduleConfig, 'cron' | 'everySeconds' | 'timezone'>, at: number, last: number | undefined): DueRun | undefined {
  if (schedule.cron !== undefined) return cronDue(schedule.cron, schedule.timezone, at, last);
  if (schedule.everySeconds !== undefined) return intervalDue(schedule.everySeconds, at, last);
  return undefined;
}
