import { AppError } from '../errors';
import { compileConfig } from '../config/compile';
import type { CloudEvent } from '../events/cloudevent';
import { type Filter, MAX_FILTER_DEPTH, filterProblems, matches } from './filter';

/**
 * Filters are tenant input and validation recurses per level of all, any and not: a 32 KB body of
 * `{"not":{"not":...}}` used to overflow the stack (500 internal_error on POST /subscriptions,
 * which answers 422 invalid_subscription with these problems now).
 */
const event: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't' };
const leaf: Filter = { exact: { type: 'zzz' } };

/** `n` levels of `not` around `inner`, built as the JSON text a request would carry. */
const nots = (n: number, inner: Filter = leaf): unknown => JSON.parse('{"not":'.repeat(n) + JSON.stringify(inner) + '}'.repeat(n));
const path = (n: number) => 'filter' + '.not'.repeat(n);
const TOO_DEEP = `filter nested deeper than ${MAX_FILTER_DEPTH} levels of all, any and not`;

describe('depth of filter objects', () => {
  test('the review reproduction, 4,000 levels of not in 32 KB, is one problem naming the 33rd level', () => {
    const text = JSON.stringify(nots(4000));
    expect(text.length).toBeGreaterThan(32_000);
    expect(filterProblems(JSON.parse(text))).toEqual([`${path(MAX_FILTER_DEPTH + 1)}: ${TOO_DEEP}`]);
  });

  test('a filter just under the cap is valid and matches correctly', () => {
    const even = nots(MAX_FILTER_DEPTH, { exact: { type: 't' } }) as Filter; // 32 nots: the leaf's own result
    expect(filterProblems(even)).toEqual([]);
    expect(matches(even, event)).toBe(true);
    expect(matches(even, { ...event, type: 'other' })).toBe(false);
    const odd = nots(MAX_FILTER_DEPTH - 1, { exact: { type: 't' } }) as Filter;
    expect(filterProblems(odd)).toEqual([]);
    expect(matches(odd, event)).toBe(false);
    expect(filterProblems(nots(MAX_FILTER_DEPTH + 1))).toEqual([`${path(MAX_FILTER_DEPTH + 1)}: ${TOO_DEEP}`]);
  });

  test('all and any count as levels too, with the path of the offending branch', () => {
    let f: unknown = leaf;
    for (let i = 0; i < 3000; i++) f = i % 2 ? { all: [leaf, f] } : { any: [f] };
    const [problem, ...rest] = filterProblems(f);
    expect(rest).toEqual([]);
    expect(problem).toMatch(new RegExp(`^filter(\\.(all\\[1\\]|any\\[0\\])){${MAX_FILTER_DEPTH}}\\.(all|any): ${TOO_DEEP}$`));
    let ok: Filter = { sql: "type = 't'" };
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) ok = i % 2 ? { all: [{ exact: { source: 's' } }, ok] } : { any: [ok] };
    expect(filterProblems(ok)).toEqual([]);
    expect(matches(ok, event)).toBe(true);
  });

  test('a too-deep filter that skipped validation (stored before the cap) matches nothing, never throws', () => {
    // 4,001 nots: a branch cut short would flip to a match under an odd number of them.
    for (const n of [MAX_FILTER_DEPTH + 1, MAX_FILTER_DEPTH + 2, 4000, 4001]) expect(matches(nots(n) as Filter, event)).toBe(false);
    expect(matches({ any: [{ exact: { type: 't' } }, nots(5000) as Filter] }, event)).toBe(true); // short-circuits first
    expect(matches({ any: [nots(5000) as Filter, { exact: { type: 't' } }] }, event)).toBe(false);
  });

  test('an unvalidated filter one any level past the cap matches nothing; at the cap it matches', () => {
    // Levels of `any` around a leaf that matches: a cap checked one level late would let 33 pass.
    const anys = (n: number): Filter => {
      let f: Filter = { exact: { type: 't' } };
      for (let i = 0; i < n; i++) f = { any: [f] };
      return f;
    };
    expect(matches(anys(MAX_FILTER_DEPTH), event)).toBe(true);
    expect(matches(anys(MAX_FILTER_DEPTH + 1), event)).toBe(false);
  });

  test('a deep CESQL expression is a filter problem, and a stored one matches nothing', () => {
    const sql = Array(2000).fill('1').join('+') + ' = 2000';
    expect(filterProblems({ sql })).toEqual(['filter.sql: parse error at position 129: expression nested deeper than 64 levels']);
    expect(matches({ sql }, event)).toBe(false);
    expect(matches({ sql: Array(64).fill('1').join('+') + ' = 64' }, event)).toBe(true);
  });

  test('routes in the configuration file fail validation with a config error naming the route', () => {
    const raw = (filter: unknown) => ({ routes: [{ name: 'deep', filter, to: ['f'] }], destinations: { f: { type: 'file', path: 'x' } } });
    expect(compileConfig(raw(nots(MAX_FILTER_DEPTH)), {}).routes).toHaveLength(1);
    // 500 levels: far deeper (about 1,000 in tests) and the config's own walkers (interpolation,
    // secret references) overflow before routes are validated; shared/config owns that part.
    for (const filter of [nots(500), { sql: Array(2000).fill('1').join('+') + ' = 2000' }]) {
      let error: unknown;
      try {
        compileConfig(raw(filter), {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_config');
      expect((error as Error).message).toMatch(/routes\[0\]\.filter(\.not)*(\.sql)?: .*nested deeper than/);
    }
  });
});
