import { Cron, CronPattern } from 'croner';
import { fallBackWithin, MAX_SHIFT_MS, resolveWall, wallReached } from './zone';

/**
 * The due times of a cron expression read as wall-clock time in a time zone. Croner, evaluated in
 * UTC, finds the wall-clock times the expression names (see zone.ts); each is turned into
 * instants here, by one rule whatever the expression's shape. (Croner's own handling of a zone
 * keeps that rule only for one fixed minute and hour: `0-59/15 2 * * *` ran 8 times on the night
 * clocks go back and not at all on the night they go forward.)
 *
 * - A wall-clock time the clocks skip is due at the first instant after the gap: every time a
 *   schedule names in the gap runs once, there (02:30 on the spring-forward night runs at 03:00).
 * - A wall-clock time the clocks pass twice is due the first time only.
 * - Except when the hour field is every hour (`*`, `0-23`): such a schedule keeps to real time
 *   instead, as it would in UTC. It is due both times a wall-clock time comes and not for a
 *   skipped one, so `0-59/15 * * * *` runs every 15 minutes and `30 * * * *` once an hour through
 *   either night.
 */
export interface ZonedCron {
  /** The expression in UTC, over wall-clock times. */
  wall: Cron;
  zone: string;
  everyHour: boolean;
}

export function zonedCron(expression: string, zone: string): ZonedCron {
  const wall = new Cron(expression, { timezone: 'UTC', mode: '5-part' });
  const everyHour = new CronPattern(expression, 'UTC', { mode: '5-part' }).hour.every((h) => h === 1);
  return { wall, zone, everyHour };
}

/** A bound on the wall-clock times looked at per call: a gap holds one run at most, so two suffice. */
const MAX_STEPS = 4;

/** The latest due time at or before `at`. */
export function latestDue(z: ZonedCron, at: number): number | undefined {
  // Due times that are first instants rise with their wall-clock times (a gap's fall at its end).
  let ref = wallReached(z.zone, at);
  for (let step = 0; step < MAX_STEPS; step++) {
    const wall = z.wall.previousRuns(1, new Date(ref))[0]?.getTime();
    if (wall === undefined) return undefined;
    const { instants, gap } = resolveWall(z.zone, wall);
    const first = instants[0] ?? (z.everyHour ? undefined : gap!.at);
    if (first !== undefined) return z.everyHour ? Math.max(first, againUpTo(z, first, at) ?? first) : first;
    ref = gap!.at + gap!.before; // every hour: skip the gap
  }
  return undefined;
}

/** The first due time after `last`. */
export function nextDue(z: ZonedCron, last: number): number | undefined {
  let ref = wallReached(z.zone, last);
  let first: number | undefined;
  for (let step = 0; step < MAX_STEPS && first === undefined; step++) {
    const wall = z.wall.nextRun(new Date(ref - 1))?.getTime();
    if (wall === undefined) break;
    const { instants, gap } = resolveWall(z.zone, wall);
    first = instants[0] ?? (z.everyHour ? undefined : gap!.at);
    ref = gap ? gap.at + gap.after : ref;
  }
  if (!z.everyHour) return first;
  const again = againAfter(z, last);
  return again !== undefined && (first === undefined || again < first) ? again : first;
}

/**
 * Every hour: the latest second coming of a wall-clock time in (first, at], where `first` is the
 * latest first coming. It can only follow clocks set back within MAX_SHIFT_MS after `first`.
 */
function againUpTo(z: ZonedCron, first: number, at: number): number | undefined {
  const back = fallBackWithin(z.zone, first, Math.min(first + MAX_SHIFT_MS, at));
  if (!back) return undefined;
  const wall = z.wall.previousRuns(1, new Date(Math.min(back.at + back.before, at + back.after + 1)))[0]?.getTime();
  return wall !== undefined && wall >= back.at + back.after ? wall - back.after : undefined;
}

/** Every hour: the first second coming of a wall-clock time after `last`, when clocks were set back near it. */
function againAfter(z: ZonedCron, last: number): number | undefined {
  const back = fallBackWithin(z.zone, last - MAX_SHIFT_MS, last + MAX_SHIFT_MS);
  if (!back) return undefined;
  const wall = z.wall.nextRun(new Date(Math.max(back.at + back.after, last + back.after + 1) - 1))?.getTime();
  return wall !== undefined && wall < back.at + back.before ? wall - back.after : undefined;
}
