import type { CloudEvent } from '../events/cloudevent';
import { type Filter, FilterBudgetExceededError, filterProblems, matches, matchesOrThrow } from './filter';

/**
 * One work budget per filter evaluation (./cesql/budget.ts), shared by every `sql` of the filter
 * tree. Work is counted through the calls of String.prototype.toUpperCase, never timed.
 */
const big = 'a'.repeat(64 * 1024);
const large: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't', x: big };
const small: CloudEvent = { ...large, x: 'abc' };

/** Four UPPER(x): 256 Ki units on `large`, a fifth of its budget. */
const fourUppers = "CONCAT(UPPER(x), UPPER(x), UPPER(x), UPPER(x)) = 'no'";
/** 400 UPPER(x): 25 Mi units on `large`. */
const hungry = `CONCAT(${Array(400).fill('UPPER(x)').join(', ')}) = ''`;

// Compiled once and cached by expression text: the parser's own upper-casing is not counted.
beforeAll(() => [fourUppers, hungry, "UPPER(x) LIKE 'A%'", "LOWER(UPPER(x)) = 'abc'"].forEach((sql) => matches({ sql }, small)));

function upperCalls(run: () => void): number {
  const spy = jest.spyOn(String.prototype, 'toUpperCase');
  try {
    run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('the work budget of a filter', () => {
  test('an expression over budget is valid, and costs its full work only on events small enough', () => {
    expect(filterProblems({ sql: hungry })).toEqual([]);
    expect(upperCalls(() => expect(matches({ sql: hungry }, small)).toBe(false))).toBe(400);
    expect(upperCalls(() => expect(matches({ sql: hungry }, large)).toBe(false))).toBeLessThan(400);
  });

  test('over budget is a typed outcome, and the event is not delivered even under `not`', () => {
    const f: Filter = { not: { sql: hungry } };
    expect(matches(f, large)).toBe(false);
    let thrown: unknown;
    try {
      matchesOrThrow(f, large);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FilterBudgetExceededError);
    expect(thrown).toMatchObject({ code: 'filter_budget_exceeded', retryable: false, expose: false });
    expect((thrown as Error).message).toMatch(/^filter_budget_exceeded: sql filter evaluation stopped at position \d+/);
    // Within budget, `not` works as before.
    expect(matchesOrThrow(f, small)).toBe(true);
  });

  test('the sql filters of one tree share one budget', () => {
    // Each alone fits; ten of them are 2.5 Mi units, twice the budget for this event.
    const f: Filter = { any: Array.from({ length: 10 }, () => ({ sql: fourUppers })) };
    const n = upperCalls(() => expect(() => matchesOrThrow(f, large)).toThrow(FilterBudgetExceededError));
    expect(n).toBeGreaterThan(4);
    expect(n).toBeLessThan(40);
    expect(upperCalls(() => expect(matchesOrThrow({ sql: fourUppers }, large)).toBe(false))).toBe(4);
  });

  test('each evaluation starts with a full budget: the next event, or filter, is unaffected', () => {
    expect(matches({ sql: hungry }, large)).toBe(false);
    expect(matchesOrThrow({ all: [{ sql: "UPPER(x) LIKE 'A%'" }, { exact: { type: 't' } }] }, large)).toBe(true);
    expect(matchesOrThrow({ sql: "LOWER(UPPER(x)) = 'abc'" }, small)).toBe(true);
  });
});
