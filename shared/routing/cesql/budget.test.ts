import type { CloudEvent } from '../../events/cloudevent';
import { BASE_WORK, CesqlBudgetExceeded, MAX_EXPRESSION_LENGTH, PASSES_PER_EVENT, type CesqlProgram, cesqlMatches, compileCesql, evaluateCesql } from './index';

/**
 * The per-evaluation work budget (budget.ts). Work is counted, never timed: the string methods
 * the built-ins and LIKE call are spied on, so "stopped early" means fewer calls were made.
 */
const big = 'a'.repeat(64 * 1024); // the largest extension a `POST /events` event can carry
const event: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't', x: big };
/** The budget of an evaluation against `event`: the base plus its share of the event's size. */
const limit = BASE_WORK + PASSES_PER_EVENT * (big.length + '1.0'.length + 3);

function program(expr: string): CesqlProgram {
  expect(expr.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
  const c = compileCesql(expr);
  if (!c.ok) throw new Error(c.error);
  return c.program;
}

/** Calls of String.prototype[method] made by `run`. */
function calls(method: 'toUpperCase' | 'toLowerCase' | 'indexOf', run: () => void): number {
  const spy = jest.spyOn(String.prototype, method);
  try {
    run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

const list = (n: number, item: string) => Array(n).fill(item).join(', ');
/** A balanced OR tree: a chain of n ORs would be n levels deep, over the nesting cap. */
const anyOf = (terms: string[]): string =>
  terms.length === 1 ? terms[0]! : `(${anyOf(terms.slice(0, terms.length >> 1))} OR ${anyOf(terms.slice(terms.length >> 1))})`;

describe('the work budget of one evaluation', () => {
  test('400 UPPER of a 64 KiB attribute stop once the budget is spent, with a GenericError', () => {
    const p = program(`CONCAT(${list(400, 'UPPER(x)')}) = ''`);
    let result: ReturnType<typeof evaluateCesql> | undefined;
    const n = calls('toUpperCase', () => (result = evaluateCesql(p, event)));
    // Each call is charged its argument before it runs: the budget covers this many, no more.
    expect(n).toBe(Math.floor(limit / big.length));
    expect(n).toBeLessThan(400);
    expect(result!.value).toBe(false);
    const last = result!.errors.at(-1)!;
    expect(last.kind).toBe('generic');
    expect(last.message).toMatch(/work budget of \d+ units/);
    // The call that would have overdrawn it: the (n + 1)th UPPER.
    expect(last.position).toBe('CONCAT('.length + n * 'UPPER(x), '.length);
  });

  test('as a filter it is neither true nor false: CesqlBudgetExceeded, so no caller can negate it', () => {
    const p = program(`CONCAT(${list(400, 'UPPER(x)')}) = ''`);
    let thrown: unknown;
    const n = calls('toUpperCase', () => {
      try {
        cesqlMatches(p, event);
      } catch (e) {
        thrown = e;
      }
    });
    expect(thrown).toBeInstanceOf(CesqlBudgetExceeded);
    expect((thrown as CesqlBudgetExceeded).limit).toBe(limit);
    expect(n).toBeLessThan(400);
  });

  test('CONCAT_WS is charged its delimiter once per copy, before it builds the string', () => {
    // Delimiter 256 Ki, copied 7 times between eight x: 2.3 Mi characters from 1 Mi of arguments.
    const p = program(`CONCAT_WS(CONCAT(x, x, x, x), ${list(8, 'x')}) = ''`);
    expect(() => cesqlMatches(p, event)).toThrow(CesqlBudgetExceeded);
    expect(evaluateCesql(p, event).errors).toEqual([expect.objectContaining({ kind: 'generic', position: 0 })]);
  });

  test('LIKE searches are charged the length they scan', () => {
    const terms = Array(100).fill("x LIKE '%b%'");
    const p = program(anyOf(terms));
    const n = calls('indexOf', () => expect(() => cesqlMatches(p, event)).toThrow(CesqlBudgetExceeded));
    expect(n).toBe(Math.floor(limit / big.length));
  });

  test('a long string is not lower-cased to learn that it is not a Boolean', () => {
    const p = program('x = TRUE');
    const n = calls('toLowerCase', () => expect(evaluateCesql(p, event)).toMatchObject({ value: false, errors: [{ kind: 'cast' }] }));
    expect(n).toBe(0);
  });
});

describe('ordinary filters stay within the budget', () => {
  test.each([
    "x LIKE '%needle%' OR LOWER(x) LIKE 'aaa%'",
    "LENGTH(x) > 1000 AND SUBSTRING(x, 1, 3) = 'aaa' AND RIGHT(x, 2) = 'aa' AND type = 't'",
    "UPPER(TRIM(x)) LIKE 'A%A' AND x IN ('a', 'b') = FALSE",
  ])('%s on a 64 KiB attribute', (expr) => {
    expect(evaluateCesql(program(expr), event)).toEqual({ value: true, errors: [] });
    expect(cesqlMatches(program(expr), event)).toBe(true);
  });

  test('three passes over a 1 MiB subject (a mapped webhook) fit: the budget grows with the event', () => {
    const e: CloudEvent = { ...event, subject: `${'s'.repeat(1024 * 1024)}needle` };
    const p = program("LOWER(subject) LIKE '%needle%' AND LENGTH(subject) > 3");
    expect(evaluateCesql(p, e)).toEqual({ value: true, errors: [] });
  });
});
