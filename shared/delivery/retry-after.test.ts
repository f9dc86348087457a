import { parseHttpDate, retryAfterMs } from './retry-after';

// RFC 9110 section 5.6.7 gives the same instant in its three formats.
const INSTANT = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850 (obsolete)', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime (obsolete)', 'Sun Nov  6 08:49:37 1994'],
  ])('reads the RFC 9110 example in %s', (_, text) => {
    expect(parseHttpDate(text, Date.UTC(2000, 0, 1))).toBe(INSTANT);
  });

  it('reads an RFC 850 two-digit year as at most 50 years ahead', () => {
    const now = Date.UTC(2025, 5, 1);
    expect(parseHttpDate('Friday, 01-Jan-50 00:00:00 GMT', now)).toBe(Date.UTC(2050, 0, 1));
    expect(parseHttpDate('Saturday, 01-Jan-76 00:00:00 GMT', now)).toBe(Date.UTC(1976, 0, 1));
    // Near the end of a century the next century's years are the near future.
    expect(parseHttpDate('Monday, 01-Jan-01 00:00:00 GMT', Date.UTC(2099, 0, 1))).toBe(Date.UTC(2101, 0, 1));
  });

  it('accepts a leap second', () => {
    expect(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT', 0)).toBe(Date.UTC(2017, 0, 1));
  });

  it.each([
    'Sun, 31 Feb 2030 08:49:37 GMT', // no such day
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 nov 1994 08:49:37 GMT', // HTTP-date is case-sensitive
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    '1994-11-06T08:49:37Z', // ISO 8601 is not an HTTP-date
    '2030',
    'tomorrow',
    '',
  ])('rejects %j', (text) => {
    expect(parseHttpDate(text, 0)).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  const ref = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(retryAfterMs('120', ref)).toBe(120_000);
    expect(retryAfterMs('0', ref)).toBe(0);
    expect(retryAfterMs(' 7 ', ref)).toBe(7_000);
    expect(retryAfterMs('9'.repeat(400), ref)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads a date relative to the reference time, a past date as 0', () => {
    expect(retryAfterMs('Tue, 01 Jan 2030 12:05:00 GMT', ref)).toBe(300_000);
    expect(retryAfterMs('Tue, 01 Jan 2030 11:00:00 GMT', ref)).toBe(0);
  });

  // Two field lines (the application's and a proxy's) reach the engine joined by ", ", as the
  // HTTP client reports repeated fields: the longest wait of those given is honoured.
  it('reads a field given twice, joined into a list, as its longest wait', () => {
    expect(retryAfterMs('120, 120', ref)).toBe(120_000);
    expect(retryAfterMs('60,120', ref)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Jan 2030 12:05:00 GMT, Tue, 01 Jan 2030 12:02:00 GMT', ref)).toBe(300_000);
    expect(retryAfterMs('Tuesday, 01-Jan-30 12:10:00 GMT, 30', ref)).toBe(600_000);
    expect(retryAfterMs('30, Tue Jan  1 12:01:00 2030', ref)).toBe(60_000);
  });

  it.each(['120, soon', '120, -5', '120,', ', 120', 'Tue, 120', 'Tue, 01 Jan 2030 12:05:00 GMT, Tue'])('ignores a list with a member it cannot read: %j', (value) => {
    expect(retryAfterMs(value, ref)).toBeUndefined();
  });

  it.each([null, undefined, '-5', '1.5', '+3', '1e3', '0x10', 'soon'])('ignores %j', (value) => {
    expect(retryAfterMs(value, ref)).toBeUndefined();
  });
});
