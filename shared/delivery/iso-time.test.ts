import fc from 'fast-check';
import { isoTime } from './iso-time';

/** isoTime keeps the date of the last day it formatted: whatever came before, it must say what toISOString says. */
const reference = (ms: number) => new Date(ms).toISOString();
const thrown = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).constructor;
  }
};

test('every millisecond of a second, every second of a day, after another time of the same day', () => {
  const day = Date.parse('2026-03-01T00:00:00.000Z');
  const second = day + 12 * 3_600_000 + 34 * 60_000 + 56_000;
  isoTime(day + 5);
  for (let ms = 0; ms < 1000; ms++) expect(isoTime(second + ms)).toBe(reference(second + ms));
  for (let s = 0; s < 86_400; s++) expect(isoTime(day + s * 1000 + (s % 1000))).toBe(reference(day + s * 1000 + (s % 1000)));
});

test('a time of another day gets its own date, whichever day was kept (a day, a month, a year apart, and back)', () => {
  const t = Date.parse('2026-12-31T23:59:59.999Z');
  for (const ms of [t, t + 1, t - 86_400_000, t + 86_400_001, t - 31 * 86_400_000, t, Date.parse('2028-02-29T00:00:00.000Z'), Date.parse('2100-03-01T00:00:00.000Z')]) {
    expect(isoTime(ms)).toBe(reference(ms));
  }
});

test('the edges: the epoch, years past 9999, the last valid time, and what toISOString refuses or truncates', () => {
  for (const ms of [0, 1, 999, 1000, 253402300799999, 253402300800000, 253402300800001, 8.64e15 - 1, 8.64e15, -1, -1000, -86_400_001, -8.64e15, 1.5, 1000.999, -0.5]) {
    isoTime(1e12);
    expect(isoTime(ms)).toBe(reference(ms));
    expect(isoTime(ms)).toBe(reference(ms));
  }
  // The day of the last valid time is kept here; a millisecond past it is invalid all the same.
  isoTime(8.64e15);
  for (const bad of [8.64e15 + 1, -8.64e15 - 1, NaN, Infinity, -Infinity]) expect(thrown(() => isoTime(bad))).toBe(thrown(() => reference(bad)));
  expect(thrown(() => isoTime(NaN))).toBe(RangeError);
});

test('any sequence of times is formatted as toISOString formats each', () => {
  const step = fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }), fc.integer({ min: -1e13, max: 1e13 }));
  fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), fc.array(step, { maxLength: 50 }), (start, steps) => {
    let ms = start;
    for (const d of steps) {
      ms = Math.min(8.64e15, Math.max(-8.64e15, ms + d));
      expect(isoTime(ms)).toBe(reference(ms));
    }
  }), { numRuns: 300 });
});
