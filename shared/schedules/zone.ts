/**
 * Wall-clock time in an IANA time zone, read through Intl (the runtime's copy of the tz
 * database). A wall-clock time is written as epoch ms as if the zone's clock were UTC
 * (09:30 in Berlin is Date.UTC(..., 9, 30)), so a cron evaluated in UTC, where clocks are never
 * set back or forward, reads it as the zone's calendar. Offsets are ms added to an instant to read
 * the wall clock (+1 h for Berlin in winter).
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * More than any daylight-saving shift: clocks move by 30 minutes (Australia/Lord_Howe) up to 2
 * hours (Antarctica/Troll). A change of offset that matters to an instant lies within this of it.
 */
export const MAX_SHIFT_MS = 3 * HOUR;

/** An offset change: its instant and the offsets before and after it. */
export interface OffsetChange {
  at: number;
  before: number;
  after: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatOf(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    const numeric = 'numeric' as const;
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: numeric, month: numeric, day: numeric, hour: numeric, minute: numeric, second: numeric });
    formats.set(zone, format);
  }
  return format;
}

/** The zone's offset at instant `t` (tz offsets are whole seconds, so `t` is read to the second). */
export function offsetAt(zone: string, t: number): number {
  if (zone === 'UTC') return 0;
  const seconds = Math.floor(t / 1000) * 1000;
  const f: Record<string, number> = {};
  for (const part of formatOf(zone).formatToParts(seconds)) if (part.type !== 'literal') f[part.type] = Number(part.value);
  const wall = new Date(0);
  wall.setUTCFullYear(f.year!, f.month! - 1, f.day!);
  wall.setUTCHours(f.hour!, f.minute!, f.second!);
  return wall.getTime() - seconds;
}

/** The instant of the one offset change in (from, to], to the second; the offsets at `from` and `to` differ. */
function changeBetween(zone: string, from: number, to: number): number {
  const after = offsetAt(zone, to);
  let lo = Math.floor(from / 1000) * 1000;
  let hi = Math.ceil(to / 1000) * 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The offset change in (from, to] when it sets clocks back (one at most: `to - from` ≤ 2 MAX_SHIFT_MS). */
export function fallBackWithin(zone: string, from: number, to: number): OffsetChange | undefined {
  const before = offsetAt(zone, from);
  const after = offsetAt(zone, to);
  return before > after ? { at: changeBetween(zone, from, to), before, after } : undefined;
}

/**
 * The instants at which the zone's clock reads `wall`, earliest first: one; two after clocks
 * were set back; none in the gap of clocks set forward, where `gap` is that change (its wall-clock
 * times are [gap.at + gap.before, gap.at + gap.after), and gap.at is the first instant after it).
 */
export function resolveWall(zone: string, wall: number): { instants: number[]; gap?: OffsetChange } {
  // Any change near `wall` lies between the offsets a day either side (the Temporal proposal's method).
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  const offsets = before === after ? [before] : [before, after];
  const instants = offsets.map((o) => wall - o).filter((t) => offsetAt(zone, t) === wall - t).sort((a, b) => a - b);
  if (instants.length > 0) return { instants };
  if (before < after) return { instants, gap: { at: changeBetween(zone, wall - after, wall - before), before, after } };
  // Two changes within two days: no zone has had that in decades. Read with the earlier offset.
  return { instants: [wall - before] };
}

/**
 * The exclusive upper bound of the wall-clock times that have come by instant `t`: just past the
 * clock's reading at `t`, or while the clock passes again the times it was set back over, its
 * reading just before it was set back (those times came the first time round).
 */
export function wallReached(zone: string, t: number): number {
  const now = t + offsetAt(zone, t) + 1;
  const back = fallBackWithin(zone, t - MAX_SHIFT_MS, t);
  return back ? Math.max(now, back.at + back.before) : now;
}
