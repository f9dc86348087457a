/**
 * `new Date(ms).toISOString()`, the timestamps of the delivery records (an attempt's time, the
 * record's updatedAt): building a Date and its whole ISO text cost about ten times what is done
 * here. The date part (`YYYY-MM-DDT`) is kept from the last call, as toISOString spelled it (so
 * years past 9999 come out as it spells them); the time of day is counted out each call.
 *
 * Kept per day rather than per second: a path taken whenever the kept part changes is a path
 * the optimised callers (settle, processDue) meet without type feedback the first times it is
 * taken, and throw their optimised code away for it. Once a day does not matter; once a second
 * did, in the first seconds of a process.
 *
 * Anything but a whole number of milliseconds from 0 to the last valid time goes to toISOString
 * itself (a fraction it truncates, an invalid time it throws for).
 */
const MAX_TIME = 8.64e15;
const DAY = 86_400_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const TWO = Array.from({ length: 60 }, (_, i) => pad(i, 2));
const THREE = Array.from({ length: 1000 }, (_, i) => pad(i, 3));
let keptDay = NaN;
let keptDate = '';

export function isoTime(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIME)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  if (day !== keptDay) {
    // `...T00:00:00.000Z` less the time of day after the T.
    keptDate = new Date(day * DAY).toISOString().slice(0, -13);
    keptDay = day;
  }
  let rest = ms - day * DAY;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${keptDate}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[milli]}Z`;
}
