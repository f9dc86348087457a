import type { CloudEvent } from '../../events/cloudevent';
import { MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, cesqlMatches, compileCesql, evaluateCesql } from './index';
import { parse } from './parser';
import { CesqlParseError } from './types';

/**
 * The syntax tree is capped at MAX_NESTING_DEPTH levels, chains of binary operators included: the
 * evaluator recurses per level, and a `1+1+...+1` of 2,000 terms (under the length cap) used to
 * pass validation and then overflow the stack on every event of the tenant.
 */
const event: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't' };
const TOO_DEEP = `expression nested deeper than ${MAX_NESTING_DEPTH} levels`;

/** `1+1+...+1 = n`: n - 1 additions under one comparison, n levels. */
const sum = (n: number) => Array(n).fill('1').join('+') + ` = ${n}`;

function refused(expr: string): string {
  expect(expr.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
  // The typed error, never a RangeError from the parser's own recursion.
  expect(() => parse(expr)).toThrow(CesqlParseError);
  const c = compileCesql(expr);
  if (c.ok) throw new Error(`expected ${expr.slice(0, 40)}... to be refused`);
  return c.error;
}

/** Compiles, evaluates completely (no error) and as a filter; returns the value. */
function accepted(expr: string): boolean | number | string {
  const c = compileCesql(expr);
  if (!c.ok) throw new Error(c.error);
  const { value, errors } = evaluateCesql(c.program, event);
  expect(errors).toEqual([]);
  expect(cesqlMatches(c.program, event)).toBe(value === true);
  return value;
}

describe('depth of CESQL expressions', () => {
  test('the review reproduction, 2,000 terms in 4,006 characters, is refused at the 65th level', () => {
    const expr = sum(2000);
    expect(expr).toHaveLength(4006);
    // The 65th "+" (offset 129) would make the 65th level.
    expect(refused(expr)).toBe(`parse error at position 129: ${TOO_DEEP}`);
  });

  test('a chain just under the cap is accepted and evaluates correctly', () => {
    expect(accepted(sum(MAX_NESTING_DEPTH))).toBe(true);
    expect(refused(sum(MAX_NESTING_DEPTH + 1))).toMatch(TOO_DEEP);
    const ors = (n: number) => 'FALSE' + ' OR FALSE'.repeat(n - 2) + ' OR TRUE';
    expect(accepted(ors(MAX_NESTING_DEPTH + 1))).toBe(true); // 64 ORs
    expect(refused(ors(MAX_NESTING_DEPTH + 2))).toMatch(TOO_DEEP);
  });

  test('every operator level counts: AND, comparison, arithmetic, LIKE, IN', () => {
    const ands = (n: number) => Array(n).fill("type = 't'").join(' AND '); // n - 1 ANDs over "=": n levels
    expect(accepted(ands(MAX_NESTING_DEPTH))).toBe(true);
    expect(refused(ands(MAX_NESTING_DEPTH + 1))).toMatch(TOO_DEEP);
    const likes = (n: number) => 'type' + " LIKE 't'".repeat(n);
    expect(accepted(likes(MAX_NESTING_DEPTH))).toBe(false); // `true LIKE 't'` is false, no error
    expect(refused(likes(MAX_NESTING_DEPTH + 1))).toMatch(TOO_DEEP);
    // The elements of an IN set count too: a chain inside the parentheses adds its own levels.
    const chainIn = (n: number) => `type IN (${Array(n).fill('1').join('+')})`; // n - 1 additions under IN
    expect(accepted(chainIn(MAX_NESTING_DEPTH))).toBe(false);
    expect(refused(chainIn(MAX_NESTING_DEPTH + 1))).toMatch(TOO_DEEP);
    // A long list of alternatives is one IN, one level, however long.
    expect(accepted(`type IN (${Array(500).fill("'x'").join(', ')}, 't')`)).toBe(true);
  });

  test('parentheses and operators add up, on either side', () => {
    const right = (n: number) => '(1+'.repeat(n) + '1' + ')'.repeat(n); // a parenthesis and a "+" per step
    expect(accepted(right(MAX_NESTING_DEPTH / 2))).toBe(MAX_NESTING_DEPTH / 2 + 1);
    expect(refused(right(MAX_NESTING_DEPTH / 2 + 1))).toMatch(TOO_DEEP);
    const left = (n: number) => '('.repeat(n) + '1' + '+1)'.repeat(n);
    expect(accepted(left(MAX_NESTING_DEPTH / 2))).toBe(MAX_NESTING_DEPTH / 2 + 1);
    expect(refused(left(MAX_NESTING_DEPTH / 2 + 1))).toMatch(TOO_DEEP);
    // Function calls around a chain: n calls over m subtractions are n + m levels.
    const calls = (n: number, m: number) => 'ABS('.repeat(n) + '-1' + ' - 1'.repeat(m) + ')'.repeat(n);
    expect(accepted(calls(MAX_NESTING_DEPTH / 2, MAX_NESTING_DEPTH / 2))).toBe(MAX_NESTING_DEPTH / 2 + 1);
    expect(refused(calls(MAX_NESTING_DEPTH / 2, MAX_NESTING_DEPTH / 2 + 1))).toMatch(TOO_DEEP);
  });

  test.each([
    ['2,000 parentheses', '('.repeat(2000) + '1' + ')'.repeat(2000)],
    ['3,000 unary minus signs', '-'.repeat(3000) + 'x'],
    ['1,000 NOT', 'NOT '.repeat(1000) + 'TRUE'],
    ['800 function calls', 'ABS('.repeat(800) + '1' + ')'.repeat(800)],
    ['a deep chain inside deep parentheses', '('.repeat(60) + sum(1500) + ')'.repeat(60)],
  ])('%s are refused with the typed error', (_what, expr) => {
    expect(refused(expr)).toMatch(TOO_DEEP);
  });

  test('3,000 parentheses exceed the length cap first, still a typed error', () => {
    const expr = '('.repeat(3000) + '1' + ')'.repeat(3000);
    expect(() => parse(expr)).toThrow(CesqlParseError);
    expect(compileCesql(expr)).toEqual({ ok: false, error: `parse error at position ${MAX_EXPRESSION_LENGTH}: expression longer than ${MAX_EXPRESSION_LENGTH} characters` });
  });
});
