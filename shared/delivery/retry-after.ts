/**
 * `Retry-After` (RFC 9110 section 10.2.3): `delay-seconds` or an `HTTP-date`. A recipient "MUST
 * accept all three HTTP-date formats" (section 5.6.7): IMF-fixdate, the obsolete RFC 850 form and
 * asctime. Date.parse is not used: it accepts far more than HTTP-date ("2030", "tomorrow" in some
 * engines) and its results for non-ISO strings are implementation-defined.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = MONTHS.join('|');
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const DAY_L = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** Sun, 06 Nov 1994 08:49:37 GMT */
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d{2}) (${MON}) (\\d{4}) ${TIME} GMT$`);
/** Sunday, 06-Nov-94 08:49:37 GMT */
const RFC850 = new RegExp(`^(?:${DAY_L}), (\\d{2})-(${MON})-(\\d{2}) ${TIME} GMT$`);
/** Sun Nov  6 08:49:37 1994 */
const ASCTIME = new RegExp(`^(?:${DAY}) (${MON}) ([ \\d]\\d) ${TIME} (\\d{4})$`);
const DELAY_SECONDS = /^\d+$/;

interface Parts { year: number; month: string; day: string; h: string; m: string; s: string }

function toEpoch({ year, month, day, h, m, s }: Parts): number | undefined {
  const mon = MONTHS.indexOf(month);
  const [d, hh, mm, ss] = [Number(day), Number(h), Number(m), Number(s)];
  if (hh > 23 || mm > 59 || ss > 60) return undefined; // 60: a leap second
  const midnight = new Date(Date.UTC(year, mon, d));
  // Date.UTC rolls 31 Feb over into March: reject dates that do not exist.
  if (midnight.getUTCDate() !== d || midnight.getUTCMonth() !== mon) return undefined;
  return midnight.getTime() + ((hh * 60 + mm) * 60 + ss) * 1000;
}

/** Epoch ms of an HTTP-date, or undefined. `now` resolves the two-digit years of RFC 850. */
export function parseHttpDate(value: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return toEpoch({ day: m[1]!, month: m[2]!, year: Number(m[3]), h: m[4]!, m: m[5]!, s: m[6]! });
  m = ASCTIME.exec(value);
  if (m) return toEpoch({ month: m[1]!, day: m[2]!.trim(), h: m[3]!, m: m[4]!, s: m[5]!, year: Number(m[6]) });
  m = RFC850.exec(value);
  if (m) {
    // "MUST interpret a timestamp that appears to be more than 50 years in the future as
    // representing the most recent year in the past that had the same last two digits."
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    else if (year < thisYear - 49) year += 100;
    return toEpoch({ day: m[1]!, month: m[2]!, year, h: m[4]!, m: m[5]!, s: m[6]! });
  }
  return undefined;
}

function oneValue(text: string, reference: number): number | undefined {
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(text, reference);
  return at === undefined ? undefined : Math.max(0, at - reference);
}

/** A day name, the only text before a comma inside an HTTP-date (IMF-fixdate and RFC 850). */
const DAY_NAME = new RegExp(`^(?:${DAY}|${DAY_L})$`);

/**
 * The wait a `Retry-After` value asks for, in ms after `reference` (the time the response came
 * back). A date in the past means "now" (0). Anything unparseable is ignored (undefined), as the
 * field is advisory.
 *
 * The field is a single value, but a response can carry it twice (the application's and a
 * proxy's), and the HTTP client joins repeated fields with ", ". Such a list is read member by
 * member (a comma right after a day name is the date's own) and its longest wait taken; a list
 * with a member that does not read is ignored whole.
 */
export function retryAfterMs(value: string | null | undefined, reference: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  const one = oneValue(text, reference);
  if (one !== undefined || !text.includes(',')) return one;
  const parts = text.split(',');
  let longest: number | undefined;
  for (let i = 0; i < parts.length; i++) {
    let member = parts[i]!.trim();
    if (DAY_NAME.test(member) && i + 1 < parts.length) member = `${member},${parts[++i]!}`.trim();
    const ms = oneValue(member, reference);
    if (ms === undefined) return undefined;
    longest = Math.max(longest ?? 0, ms);
  }
  return longest;
}
