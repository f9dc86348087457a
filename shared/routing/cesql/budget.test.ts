import type { CloudEvent } from '../../events/cloudevent';
import { charge, workBudget } from './budget';
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

describe('the size of the budget', () => {
  /** Literal numbers, not the exported constants: README promises 1 Mi units plus 4 per character. */
  const tiny: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't', x: 'abcd' }; // 10 characters
  const overdraw = (units: number[], e: CloudEvent): unknown => {
    const b = workBudget(e);
    try {
      units.forEach((u) => charge(b, u, 0));
    } catch (x) {
      return x;
    }
    return undefined;
  };

  test('is 1,048,576 units plus 4 per character of the attributes, spendable to the last unit', () => {
    expect(overdraw([1024 * 1024], tiny)).toBeUndefined();
    expect(overdraw([1024 * 1024, 40], tiny)).toBeUndefined();
    const thrown = overdraw([1024 * 1024, 40, 1], tiny);
    expect(thrown).toBeInstanceOf(CesqlBudgetExceeded);
    expect((thrown as CesqlBudgetExceeded).limit).toBe(1024 * 1024 + 40);
  });

  test('the payload does not count: a large data or data_base64 adds nothing', () => {
    const withPayload = { ...tiny, data: 'd'.repeat(100_000), data_base64: 'ZA=='.repeat(10_000) } as CloudEvent;
    expect((overdraw([1024 * 1024 + 41], withPayload) as CesqlBudgetExceeded).limit).toBe(1024 * 1024 + 40);
  });
});

describe('what is charged', () => {
  const y = `${'a'.repeat(big.length - 1)}b`; // as long as x, differs only at the end
  const twin: CloudEvent = { ...event, y };
  /** The budget against `twin`, which carries x and y. */
  const twinLimit = BASE_WORK + PASSES_PER_EVENT * (2 * big.length + '1.0'.length + 3);

  test('comparing two strings of different lengths costs nothing: it cannot scan them', () => {
    const p = program(anyOf(Array(100).fill("x = 'b'")));
    expect(evaluateCesql(p, event)).toEqual({ value: false, errors: [] });
    expect(cesqlMatches(p, event)).toBe(false);
  });

  test('comparing two strings of one length costs one unit per character', () => {
    const n = Math.floor(twinLimit / big.length) + 1;
    expect(() => cesqlMatches(program(anyOf(Array(n).fill('x = y'))), twin)).toThrow(CesqlBudgetExceeded);
    expect(cesqlMatches(program(anyOf(Array(n - 1).fill('x = y'))), twin)).toBe(false);
  });

  test('reading a String as an Integer costs one unit per character', () => {
    // Complete evaluation goes on after each CastError and a call evaluates all its arguments,
    // so the casts add up until the budget stops them.
    const { errors } = evaluateCesql(program(`CONCAT(${list(40, 'x = 1')})`), event);
    const casts = Math.floor(limit / big.length);
    expect(errors.map((e) => e.kind)).toEqual([...Array<string>(casts).fill('cast'), 'generic']);
  });

  test('LIKE with a prefix or suffix only costs nothing, whatever the value', () => {
    const p = program(anyOf([...Array(50).fill("x LIKE 'b%'"), ...Array(50).fill("x LIKE '%b'")]));
    expect(evaluateCesql(p, event)).toEqual({ value: false, errors: [] });
  });

  test('LIKE with `_` between two `%` costs the automaton words per character', () => {
    // A middle segment of 41 code points needs two 32-bit words per state: 128 Ki units per search.
    const pattern = `'%${'a_'.repeat(20)}b%'`;
    const searches = Math.floor(limit / (2 * big.length));
    expect(() => cesqlMatches(program(anyOf(Array(searches + 1).fill(`x LIKE ${pattern}`))), event)).toThrow(CesqlBudgetExceeded);
    expect(cesqlMatches(program(anyOf(Array(searches).fill(`x LIKE ${pattern}`))), event)).toBe(false);
  });
});
