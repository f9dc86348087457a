import { fixtureJson } from '../../test/fixtures';
import type { CloudEvent } from '../events/cloudevent';
import { type Filter, filterProblems, matches } from './filter';

const push: CloudEvent = { specversion: '1.0', id: '1', source: 'https://github.com/cloudevents/spec/pull', type: 'com.github.push', subject: 'https://github.com/cloudevents/spec' };
const created: CloudEvent = { ...push, type: 'com.github.pull.created', subject: '/cloudevents/spec' };

describe('CloudEvents Subscriptions filter dialects', () => {
  const { examples } = fixtureJson<{ examples: Filter[] }>('cloudevents/subscriptions/filter-dialects.json');

  test('every example filter of the required dialects from the spec is valid (sql comes with CESQL)', () => {
    const required = examples.filter((f) => !JSON.stringify(f).includes('"sql"'));
    expect(required.length).toBeGreaterThanOrEqual(6);
    for (const f of required) expect(filterProblems(f)).toEqual([]);
  });

  test('exact, prefix and suffix compare case-sensitively on every named attribute', () => {
    expect(matches({ exact: { type: 'com.github.push', subject: 'https://github.com/cloudevents/spec' } }, push)).toBe(true);
    expect(matches({ exact: { type: 'com.github.PUSH' } }, push)).toBe(false);
    expect(matches({ prefix: { type: 'com.github.', subject: 'https://github.com/cloudevents' } }, push)).toBe(true);
    expect(matches({ prefix: { type: 'com.github.', subject: 'https://gitlab.com' } }, push)).toBe(false);
    expect(matches({ suffix: { type: '.created', subject: '/cloudevents/spec' } }, created)).toBe(true);
    expect(matches({ suffix: { type: '.created' } }, push)).toBe(false);
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
    expect(filterProblems({ sql: 'type = 1' })).toEqual(['filter: unsupported dialect "sql" (supported: exact, prefix, suffix, all, any, not)']);
    expect(filterProblems({ exact: { type: '' } })).toEqual(['filter.exact.type: must not be empty']);
    expect(filterProblems({ all: [] })).toEqual(['filter.all: must be a non-empty array of filters']);
    expect(filterProblems({ any: [{ exact: { a: 'b' } }, { prefix: 3 }] })).toEqual(['filter.any[1].prefix: must map attribute names to strings']);
    expect(filterProblems({ exact: { a: 'b' }, prefix: { a: 'b' } })).toEqual(['filter: must have exactly one dialect (exact, prefix, suffix, all, any, not), found 2']);
  });
});
