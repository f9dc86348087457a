import { nextSince, notePage, SKEW_MS } from './search-drift';

/** Pure bookkeeping of search-drift.ts: no vendor involved. */
const MIN = 60_000;

test('nothing updated after the first fetch (less the skew): the next round starts at the latest issue read', () => {
  let d = notePage({}, 100 * MIN, [10 * MIN, 11 * MIN]);
  d = notePage(d, 101 * MIN, [12 * MIN, 13 * MIN]);
  expect(d.recheck).toBeUndefined();
  expect(nextSince(13 * MIN, d)).toBe(13 * MIN);
});

test('an issue updated between two fetches: the next round starts at the last issue of the page fetched before it', () => {
  let d = notePage({}, 100 * MIN, [10 * MIN, 11 * MIN]);
  d = notePage(d, 105 * MIN, [12 * MIN, 13 * MIN]);
  d = notePage(d, 110 * MIN, [14 * MIN, 107 * MIN]);
  expect(d.recheck).toBe(13 * MIN);
  // Within the skew of the first fetch: the first page's last issue, never earlier.
  expect(notePage({}, 100 * MIN, [10 * MIN, 100 * MIN - SKEW_MS]).recheck).toBe(100 * MIN - SKEW_MS);
  expect(nextSince(107 * MIN, d)).toBe(13 * MIN);
});

test('a long round keeps its first page and a bounded number of others; a lookup past them falls earlier, never later', () => {
  let d = {};
  for (let i = 0; i < 200; i++) d = notePage(d, (1000 + i) * MIN, [i * MIN]);
  const marks = (d as { marks: [number, number][] }).marks;
  expect(marks).toHaveLength(64);
  expect(marks[0]).toEqual([1000 * MIN, 0]);
  expect(notePage(d, 1300 * MIN, [1010 * MIN]).recheck).toBe(0);
  expect(notePage(d, 1300 * MIN, [1199 * MIN + SKEW_MS]).recheck).toBe(199 * MIN);
});
