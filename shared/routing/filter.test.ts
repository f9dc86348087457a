import { fixtureJson } from '../../test/fixtures';
import type { CloudEvent } from '../events/cloudevent';
import { type Filter, filterProblems, matches, matchesOrThrow } from './filter';

const push: CloudEvent = { specversion: '1.0', id: '1', source: 'https://github.com/cloudevents/spec/pull', type: 'com.github.push', subject: 'https://github.com/cloudevents/spec' };
const created: CloudEvent = { ...push, type: 'com.github.pull.created', subject: '/cloudevents/spec' };

describe('CloudEvents Subscriptions filter dialects', () => {
  const { examples } = fixtureJson<{ examples: Filter[] }>('cloudevents/subscriptions/filter-dialects.json');

  test('every example filter from the spec is valid, the optional sql dialect included', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    expect(examples.some((f) => 'sql' in f)).toBe(true);
    for (const f of examples) expect(filterProblems(f)).toEqual([]);
  });

  test('exact, prefix and suffix compare case-sensitively on every named attribute', () => {
    expect(matches({ exact: { type: 'com.github.push', subject: 'https://github.com/cloudevents/spec' } }, push)).toBe(true);
    expect(matches({ exact: { type: 'com.github.PUSH' } }, push)).toBe(false);
    expect(matches({ prefix: { type: 'com.github.', subject: 'https://github.com/cloudevents' } }, push)).toBe(true);
    expect(matches({ prefix: { type: 'com.github.', subject: 'https://gitlab.com' } }, push)).toBe(false);
    expect(matches({ suffix: { type: '.created', subject: '/cloudevents/spec' } }, created)).toBe(true);
    expect(matches({ suffix: { type: '.created' } }, push)).toBe(false);
    // Case-sensitive for prefix and suffix too: neither side is folded.
    expect(matches({ prefix: { type: 'COM.github.' } }, push)).toBe(false);
    expect(matches({ prefix: { type: 'com.github.' } }, { ...push, type: 'COM.GITHUB.PUSH' })).toBe(false);
    expect(matches({ suffix: { type: '.CREATED' } }, created)).toBe(false);
    expect(matches({ suffix: { type: '.created' } }, { ...created, type: 'com.github.pull.CREATED' })).toBe(false);
  });

  test('a missing attribute never matches', () => {
    expect(matches({ exact: { tenant: 'default' } }, push)).toBe(false);
    expect(matches({ not: { exact: { tenant: 'default' } } }, push)).toBe(true);
  });

  test('all, any and not compose', () => {
    const f: Filter = { all: [{ prefix: { type: 'com.github.' } }, { any: [{ suffix: { type: '.created' } }, { exact: { type: 'com.github.push' } }] }, { not: { exact: { subject: 'x' } } }] };
    expect(matches(f, push)).toBe(true);
    expect(matches(f, created)).toBe(true);
    expect(matches(f, { ...push, type: 'com.github.issue' })).toBe(false);
  });

  test('the documented catch-all prefix "" matches every event', () => {
    expect(filterProblems({ prefix: { type: '' } })).toEqual([]);
    expect(matches({ prefix: { type: '' } }, push)).toBe(true);
  });

  test('invalid filters are reported with their path', () => {
    expect(filterProblems({ cesql: 'type = 1' })).toEqual(['filter: unsupported dialect "cesql" (supported: exact, prefix, suffix, all, any, not, sql)']);
    expect(filterProblems({ exact: { type: '' } })).toEqual(['filter.exact.type: must not be empty']);
    // Spec 3.2.4.1.1: the attribute name MUST NOT be empty either (such a filter could never match).
    expect(filterProblems({ exact: { '': 'x' } })).toEqual(['filter.exact: attribute names must not be empty']);
    expect(filterProblems({ prefix: { '': '' } })).toEqual(['filter.prefix: attribute names must not be empty']);
    expect(filterProblems({ all: [] })).toEqual(['filter.all: must be a non-empty array of filters']);
    // Spec 3.2.4: at least one filter in `any` too, and only `prefix` may have an empty value.
    expect(filterProblems({ any: [] })).toEqual(['filter.any: must be a non-empty array of filters']);
    expect(filterProblems({ suffix: { type: '' } })).toEqual(['filter.suffix.type: must not be empty']);
    expect(filterProblems({ any: [{ exact: { a: 'b' } }, { prefix: 3 }] })).toEqual(['filter.any[1].prefix: must map attribute names to strings']);
    expect(filterProblems({ exact: { a: 'b' }, prefix: { a: 'b' } })).toEqual(['filter: must have exactly one dialect (exact, prefix, suffix, all, any, not, sql), found 2']);
  });

  test('a name that can be no attribute of an event is refused, not left to never match (and to match everything under not)', () => {
    // Attribute names are lower-case a-z and 0-9 (CloudEvents 1.0 naming convention; events with
    // others are refused), and the payload is no attribute to any dialect.
    const names = ['Type', 'SEVERITY', 'my_ext', 'my-ext', 'a.b', 'data', 'data_base64', '__proto__', 'tÿpe', ' type'];
    for (const name of names) {
      expect(matches({ not: { exact: { [name]: 'x' } } }, push)).toBe(true);
      expect(filterProblems({ not: { exact: { [name]: 'x' } } })).toEqual([`filter.not.exact.${name}: not a CloudEvents attribute name (lower-case a-z and 0-9; data is the payload)`]);
    }
    expect(filterProblems(JSON.parse('{"prefix":{"__proto__":""}}'))).toEqual(['filter.prefix.__proto__: not a CloudEvents attribute name (lower-case a-z and 0-9; data is the payload)']);
    expect(filterProblems({ all: [{ exact: { type: 'x', severity: 'high', '2fa': 'on', constructor: 'c' } }, { suffix: { subject: '/x' } }] })).toEqual([]);
  });
});

describe('the sql dialect (CloudEvents SQL 1.0)', () => {
  test('the spec example matches on source', () => {
    expect(matches({ sql: "source LIKE '%cloudevents%'" }, push)).toBe(true);
    expect(matches({ sql: "source LIKE '%cloudevents%'" }, { ...push, source: 'https://gitlab.com/x' })).toBe(false);
  });

  test('composes inside all, any and not', () => {
    const f: Filter = {
      all: [
        { prefix: { type: 'com.github.' } },
        { any: [{ sql: "type LIKE '%.created'" }, { sql: "subject = 'https://github.com/cloudevents/spec'" }] },
        { not: { sql: "EXISTS tenant AND tenant <> 'acme'" } },
      ],
    };
    expect(matches(f, push)).toBe(true);
    expect(matches(f, created)).toBe(true);
    expect(matches(f, { ...push, subject: 'elsewhere' })).toBe(false);
    expect(matches(f, { ...push, tenant: 'acme' })).toBe(true);
    expect(matches(f, { ...push, tenant: 'other' })).toBe(false);
  });

  test('only a Boolean true without errors matches (subscriptions spec 3.2.4.1.2)', () => {
    expect(matches({ sql: 'TRUE' }, push)).toBe(true);
    expect(matches({ sql: "'true'" }, push)).toBe(false); // a String, not a Boolean
    expect(matches({ sql: '1' }, push)).toBe(false);
    expect(matches({ sql: 'NOT 10' }, push)).toBe(false); // true, but with a CastError
    // A missing attribute is an error, so neither the test nor its negation matches, unlike
    // `not` around an exact filter; EXISTS is the way to test for absence.
    expect(matches({ sql: "tenant = 'acme'" }, push)).toBe(false);
    expect(matches({ sql: "NOT (tenant = 'acme')" }, push)).toBe(false);
    expect(matches({ not: { sql: "tenant = 'acme'" } }, push)).toBe(true);
    expect(matches({ sql: 'NOT EXISTS tenant' }, push)).toBe(true);
  });

  test('integer and boolean extensions are typed', () => {
    const e: CloudEvent = { ...push, severity: 7, sampled: true };
    expect(matches({ sql: 'severity >= 5 AND sampled' }, e)).toBe(true);
    expect(matches({ sql: "severity IN (1, 2, '7')" }, e)).toBe(true);
    expect(matches({ sql: 'severity > 7' }, e)).toBe(false);
  });

  test('invalid expressions are rejected with the parse error and its position', () => {
    expect(filterProblems({ sql: "type LIKE 'a' AND" })).toEqual(['filter.sql: parse error at position 17: unexpected end of expression']);
    expect(filterProblems({ any: [{ exact: { a: 'b' } }, { sql: 'x LIKE 123' }] })).toEqual([
      'filter.any[1].sql: parse error at position 7: LIKE needs a string literal pattern, found "123"',
    ]);
    expect(filterProblems({ sql: 3 })).toEqual(['filter.sql: must be a CloudEvents SQL expression string']);
    expect(filterProblems({ sql: 'NOPE(type) OR LEFT(type)' })).toEqual(['filter.sql: unknown function NOPE/1', 'filter.sql: unknown function LEFT/1']);
    expect(filterProblems({ sql: 'x'.repeat(5000) })[0]).toMatch(/^filter\.sql: parse error at position 4096: expression longer than 4096 characters$/);
  });

  test('an unvalidated invalid expression matches nothing instead of throwing', () => {
    expect(matches({ sql: '(((' }, push)).toBe(false);
    expect(matches({ sql: '(((' }, push)).toBe(false); // second time from the cache
  });

  test('an expression that no longer compiles fails the whole filter: `not` around it matches nothing', () => {
    // Stored by a subscription before the cap on LIKE patterns (256 characters) existed.
    const long = `type LIKE '${'x'.repeat(300)}%'`;
    expect(filterProblems({ sql: long })).toHaveLength(1);
    for (const sql of [long, '(((']) {
      expect(matches({ not: { sql } }, push)).toBe(false);
      expect(matchesOrThrow({ not: { sql } }, push)).toBe(false);
      expect(matches({ all: [{ prefix: { type: 'com.' } }, { not: { sql } }] }, push)).toBe(false);
    }
    // A runtime error is not that: the expression is valid, only false for this event (spec 3.2.4.1.2).
    expect(matches({ not: { sql: "tenant = 'acme'" } }, push)).toBe(true);
  });
});
