import type { CloudEvent } from '../../events/cloudevent';
import { type CesqlProgram, MAX_EXPRESSION_LENGTH, MAX_LIKE_PATTERN_LENGTH, MAX_NESTING_DEPTH, cesqlMatches, compileCesql, evaluateCesql } from './index';

/** What the TCK does not cover: hostile input, 32-bit overflow, precedence, Unicode, API details. */
const event: CloudEvent = { specversion: '1.0', id: '1', source: 'https://scanner.example/a', type: 'secorch.finding.created' };

function program(expr: string): CesqlProgram {
  const c = compileCesql(expr);
  if (!c.ok) throw new Error(c.error);
  return c.program;
}
const run = (expr: string, e: CloudEvent = event) => {
  const { value, errors } = evaluateCesql(program(expr), e);
  return { value, errors: errors.map((x) => x.kind) };
};
const parseError = (expr: string): string => {
  const c = compileCesql(expr);
  if (c.ok) throw new Error(`expected a parse error for ${expr}`);
  return c.error;
};

describe('limits against hostile expressions', () => {
  test('expressions longer than the cap are refused before parsing', () => {
    expect(compileCesql('1' + ' '.repeat(MAX_EXPRESSION_LENGTH - 1)).ok).toBe(true);
    expect(parseError('1' + ' '.repeat(MAX_EXPRESSION_LENGTH))).toBe('parse error at position 4096: expression longer than 4096 characters');
  });

  test.each([
    ['parentheses', (n: number) => '('.repeat(n) + '1' + ')'.repeat(n)],
    ['NOT chains', (n: number) => 'NOT '.repeat(n) + 'TRUE'],
    ['unary minus', (n: number) => '-'.repeat(n) + 'x'],
    ['function arguments', (n: number) => 'LOWER('.repeat(n) + "'A'" + ')'.repeat(n)],
    ['IN sets', (n: number) => '1 IN ('.repeat(n) + '1' + ')'.repeat(n)],
  ])('nesting of %s is capped at %#', (_kind, nest) => {
    expect(compileCesql(nest(MAX_NESTING_DEPTH)).ok).toBe(true);
    expect(parseError(nest(MAX_NESTING_DEPTH + 1))).toMatch(/^parse error at position \d+: expression nested deeper than 64 levels$/);
    expect(parseError(nest(100_000))).toMatch(/nested deeper than 64 levels|longer than 4096/);
  });

  // Chains of binary operators count as nesting too: see depth.test.ts.

  // LIKE work on hostile patterns is counted (not timed) in like.test.ts.
  test('LIKE patterns longer than the cap are refused at parse time, pointing at the pattern', () => {
    const at = (pattern: string) => `subject LIKE '${pattern}'`;
    expect(run(at('%a'.repeat(MAX_LIKE_PATTERN_LENGTH / 2 - 1) + '%b'), { ...event, subject: 'a'.repeat(3000) }).value).toBe(false);
    // Counted in code points: 256 emoji (512 UTF-16 units) are still within the cap.
    expect(compileCesql(at('😀'.repeat(MAX_LIKE_PATTERN_LENGTH))).ok).toBe(true);
    expect(parseError(at('a'.repeat(MAX_LIKE_PATTERN_LENGTH + 1)))).toBe('parse error at position 13: LIKE pattern longer than 256 characters');
    expect(parseError(at(`%${'a'.repeat(4000)}b`))).toMatch(/LIKE pattern longer than 256 characters$/);
  });
});

describe('32-bit integer arithmetic', () => {
  test.each([
    ['2147483647 + 1', -2147483648],
    ['-2147483648 - 1', 2147483647],
    ['65536 * 65536', 0],
    ['-2147483648 / -1', -2147483648],
    ['-(-2147483648)', -2147483648],
    // A product past 2^53 is no longer exact as a double: the wrapped value is the int32 one.
    ['2147483647 * 2147483647', 1],
    ['-2147483647 * 2147483647', -1],
  ])('%s wraps around with a MathError', (expr, wrapped) => {
    expect(run(expr)).toEqual({ value: wrapped, errors: ['math'] });
  });

  test.each([
    ['2147483646 + 1', 2147483647],
    ['-7 / 2', -3],
    ['-7 % 2', -1],
    ['7 % -2', 1],
    ['-4 % 2', 0],
    ['-2147483648 % -1', 0],
    ['46340 * 46340', 2147395600],
  ])('%s = %p', (expr, value) => {
    expect(run(expr)).toEqual({ value, errors: [] });
    expect(Object.is(run(expr).value, -0)).toBe(false);
  });

  test('literals outside 32 bits are parse errors, the most negative one is not', () => {
    expect(parseError('2147483648')).toBe('parse error at position 0: integer literal 2147483648 is outside the 32-bit range');
    expect(parseError('1 + -2147483649')).toMatch(/^parse error at position 4: /);
    expect(run('-2147483648')).toEqual({ value: -2147483648, errors: [] });
    expect(run("INT('2147483648')")).toEqual({ value: 0, errors: ['cast'] });
  });
});

describe('syntax', () => {
  test('AND, OR and XOR share one precedence level, evaluated left to right (spec 3.6)', () => {
    expect(run('TRUE OR FALSE AND FALSE').value).toBe(false); // (TRUE OR FALSE) AND FALSE
    expect(run('TRUE OR (FALSE AND FALSE)').value).toBe(true);
    expect(run('1 + 2 * 3 = 7 AND 10 - 2 - 3 = 5').value).toBe(true);
  });

  test('unary NOT binds tighter than LIKE and IN (spec 3.6)', () => {
    // (NOT TRUE) LIKE '%e' is 'false' LIKE '%e'; NOT (TRUE LIKE '%e') would be false.
    expect(run("NOT TRUE LIKE '%e'")).toEqual({ value: true, errors: [] });
    expect(run("NOT FALSE NOT LIKE '%e'")).toEqual({ value: false, errors: [] });
    // (NOT FALSE) IN (TRUE, FALSE); NOT (FALSE IN (TRUE, FALSE)) would be false.
    expect(run('NOT FALSE IN (TRUE, FALSE)')).toEqual({ value: true, errors: [] });
  });

  test('keywords, identifiers and function names ignore case; strings do not', () => {
    expect(run("ExIsTs ID aNd Type LiKe 'secorch.%' AnD lower('A') = 'a'").value).toBe(true);
    expect(run("type = 'SECORCH.FINDING.CREATED'").value).toBe(false);
  });

  test('parse errors carry the offset of the offending token', () => {
    expect(parseError("type = 'abc")).toBe('parse error at position 7: unterminated string literal');
    expect(parseError('type == 1')).toBe('parse error at position 6: unexpected "="');
    expect(parseError('type # 1')).toBe('parse error at position 5: unexpected character "#"');
    expect(parseError("EXISTS 'x'")).toBe('parse error at position 7: expected an attribute name, found string literal');
    expect(parseError('EXISTS 12 12')).toBe('parse error at position 10: unexpected "12"');
    expect(parseError('type NOT 1')).toBe('parse error at position 5: unexpected "NOT"');
    expect(parseError('1 IN ()')).toBe('parse error at position 6: unexpected ")"');
    expect(parseError('my_ext = 1')).toBe('parse error at position 0: expected an attribute name, found "my_ext"');
    expect(parseError('abc1(2)')).toBe('parse error at position 0: invalid function name "abc1"');
  });
});

describe('semantics the TCK leaves open', () => {
  test('characters are Unicode code points, whitespace is Unicode White_Space', () => {
    const e = { ...event, subject: '\u3000 😀b\u00a0\n' };
    expect(run('LENGTH(subject)', e).value).toBe(6);
    expect(run('TRIM(subject)', e).value).toBe('😀b');
    expect(run("TRIM(subject) LIKE '_b'", e).value).toBe(true);
    expect(run('SUBSTRING(TRIM(subject), -1)', e).value).toBe('b');
    expect(run("LEFT('😀😀😀', 2)").value).toBe('😀😀');
  });

  test('an attribute whose value is null is absent, as for the other dialects', () => {
    // Validation lets a null extension through; JSON has no other way to say "not set".
    const e = { ...event, region: null } as unknown as CloudEvent;
    expect(run('EXISTS region', e)).toEqual({ value: false, errors: [] });
    expect(run("region = 'null'", e)).toEqual({ value: false, errors: ['missingAttribute'] });
  });

  test('only own attributes exist, `data` is never one', () => {
    expect(run('EXISTS constructor')).toEqual({ value: false, errors: [] });
    expect(run('constructor = 1')).toEqual({ value: false, errors: ['missingAttribute'] });
    expect(run('EXISTS data', { ...event, data: { a: 1 } }).value).toBe(false);
  });

  test('non-primitive attribute values are Strings (spec 3.2)', () => {
    expect(run("ratio = '1.5'", { ...event, ratio: 1.5 }).value).toBe(true);
    expect(run('big', { ...event, big: 2 ** 40 }).value).toBe(String(2 ** 40));
  });

  test('a String is an Integer only as base 10 digits with an optional sign (spec 3.7)', () => {
    expect(run("INT('+12') + INT('-0012')")).toEqual({ value: 0, errors: [] });
    for (const text of ['1e3', ' 12', '12 ', '0x10', '1.0', '', '+', '1_000']) {
      expect(run(`INT('${text}')`)).toEqual({ value: 0, errors: ['cast'] });
      expect(run(`IS_INT('${text}')`)).toEqual({ value: false, errors: [] });
    }
    // Implicitly too: the String side of `=` against an Integer is cast the same way.
    expect(run("'1e3' = 1000")).toEqual({ value: false, errors: ['cast'] });
    expect(run("'+7' = 7")).toEqual({ value: true, errors: [] });
  });

  test('casting predicates and functions', () => {
    expect(run("IS_INT('-12') AND NOT IS_INT('1.5') AND IS_BOOL('FALSE') AND IS_BOOL(0) AND IS_STRING(1)").value).toBe(true);
    expect(run("CONCAT_WS('-', 1, TRUE, 'x')").value).toBe('1-true-x');
    expect(run('SUBSTRING(\'abc\', 1, -1)')).toEqual({ value: '', errors: ['functionEvaluation'] });
  });

  test('an error inside a function argument yields the function\'s zero value', () => {
    expect(run('LENGTH(missing)')).toEqual({ value: 0, errors: ['missingAttribute'] });
    expect(run("UPPER(STRING(1 / 0))")).toEqual({ value: '', errors: ['math'] });
    expect(run('1 IN (missing, 1)')).toEqual({ value: false, errors: ['missingAttribute'] });
  });

  test('complete evaluation collects every error, the filter decision stops at the first', () => {
    const p = program("(1 / 0 = 0) XOR (nope = 'x') XOR NOPE()");
    expect(evaluateCesql(p, event).errors.map((e) => [e.kind, e.position])).toEqual([
      ['math', 3],
      ['missingAttribute', 17],
      ['missingFunction', 33],
    ]);
    expect(cesqlMatches(p, event)).toBe(false);
  });

  test('compiling lists the calls no built-in can dispatch', () => {
    expect(program('nope(1) OR CONCAT_WS() OR concat() = \'\'').missingFunctions).toEqual(['NOPE/1', 'CONCAT_WS/0']);
  });
});
