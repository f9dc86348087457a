import fc from 'fast-check';
import { type LikeWork, compileLike, likeMatches } from './like';

/**
 * The LIKE matcher against two references: a regular expression built from the pattern (`u` and
 * `s` flags, so `.` is one code point, line breaks included, and `\u{...}` one literal code point;
 * fine on these short inputs) and the matcher it replaced, kept here with a step counter to
 * compare the work of both on hostile input. Work is counted, never timed.
 */
type Token = string | '%ANY' | '_ONE';

/** The escapes as the old compiler read them (spec 3.4.3 and TCK like_expression.yaml). */
function tokens(pattern: string): Token[] {
  const cps = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const n = cps[i + 1];
    if (c === '\\' && (n === '%' || n === '_')) {
      out.push(n);
      i++;
    } else out.push(c === '%' ? '%ANY' : c === '_' ? '_ONE' : c);
  }
  return out;
}

function regexMatches(pattern: string, value: string): boolean {
  const src = tokens(pattern).map((t) => (t === '%ANY' ? '.*' : t === '_ONE' ? '.' : `\\u{${t.codePointAt(0)!.toString(16)}}`));
  return new RegExp(`^${src.join('')}$`, 'su').test(value);
}

/** The previous matcher: greedy, backtracking to the last `%`; one step per loop iteration. */
function oldMatches(pattern: string, value: string, work: LikeWork = { steps: 0 }): boolean {
  const p = tokens(pattern).filter((t, i, a) => t !== '%ANY' || a[i - 1] !== '%ANY');
  const s = Array.from(value);
  let [i, v, star, mark] = [0, 0, -1, 0];
  while (v < s.length) {
    work.steps++;
    const tok = p[i];
    if (i < p.length && tok !== '%ANY' && (tok === '_ONE' || tok === s[v])) [i, v] = [i + 1, v + 1];
    else if (tok === '%ANY') [star, mark] = [i++, v];
    else if (star >= 0) [i, v] = [star + 1, ++mark];
    else return false;
  }
  while (p[i] === '%ANY') i++;
  return i === p.length;
}

const like = (pattern: string, value: string, work?: LikeWork) => likeMatches(compileLike(pattern), value, work);

// Surrogate halves alone and in pairs, so matches at and across code point boundaries are tried.
const PATTERN_PIECES = ['a', 'b', '%', '%', '_', '_', '\\%', '\\_', '\\', '\\\\', '\\a', 'é', '😀', '\uD83D', '\uDE00', '\n'];
const VALUE_PIECES = ['a', 'b', 'a', '%', '_', '\\', 'é', '😀', '\uD83D', '\uDE00', '\n'];
const text = (pieces: string[], maxLength: number) => fc.array(fc.constantFrom(...pieces), { maxLength }).map((a) => a.join(''));

/** A value the pattern matches by construction (before any mutation), so matches are not rare. */
const instance = (pattern: string) =>
  fc
    .tuple(...tokens(pattern).map((t) => (t === '%ANY' ? text(VALUE_PIECES, 4) : t === '_ONE' ? fc.constantFrom(...VALUE_PIECES) : fc.constant(t))))
    .map((parts) => parts.join(''));

describe('LIKE matcher', () => {
  test('agrees with a regular expression and with the previous matcher on random patterns and values', () => {
    const cases = text(PATTERN_PIECES, 12).chain((p) => fc.tuple(fc.constant(p), fc.oneof(text(VALUE_PIECES, 14), instance(p))));
    fc.assert(
      fc.property(cases, ([pattern, value]) => {
        const expected = regexMatches(pattern, value);
        expect(oldMatches(pattern, value)).toBe(expected);
        expect(like(pattern, value)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  test('agrees on segments with `_` longer than one 32-bit word of the automaton', () => {
    const cases = text(['a', 'b', '_', '_', '%', '😀'], 90).chain((p) => fc.tuple(fc.constant(p), fc.oneof(text(['a', 'b', '😀'], 120), instance(p))));
    fc.assert(fc.property(cases, ([pattern, value]) => void expect(like(pattern, value)).toBe(regexMatches(pattern, value))), { numRuns: 1000 });
  });

  test.each([
    ['abc\\%', 'abc%', true],
    ['abc\\%', 'abcd', false],
    ['ab\\c', 'ab\\c', true],
    ['\\\\%', '\\%', true], // a backslash, then an escaped `%`
    ['\\\\%', '\\x', false],
    ['a\\_%', 'a_b', true],
    ['%\\_%\\_', 'x_y_', true],
    ['_', '😀', true], // one code point, two UTF-16 units
    ['__', '😀', false],
    ['%\uDE00', '😀', false], // a lone low surrogate is not half of a pair
    ['\uD83D%', '😀', false],
    ['%\uD83D%', 'a😀b', false],
    ['%\uD83D%', 'a\uD83Db', true],
    ['a%%b', 'ab', true],
    ['%a_c%a_c%', 'xabcyazc', true],
    ['%a_c%a_c%', 'xabcyaz', false],
    ['a%b%a', 'aba', true],
    ['a%b%a', 'ab', false], // the first and last segments may not overlap
    ['%', '', true],
    ['', '', true],
    ['_%', '', false],
  ])('%s LIKE %s is %s', (pattern, value, expected) => {
    expect(like(pattern, value)).toBe(expected);
    expect(regexMatches(pattern, value)).toBe(expected);
  });
});

describe('LIKE work on hostile input is linear in the value', () => {
  const subject = 'a'.repeat(100_000);

  test('the review case, `%` then 4,000 a and a b on a 100 KB subject: about 4,000 steps, against 400 million before', () => {
    const pattern = `%${'a'.repeat(4000)}b`;
    const work = { steps: 0 };
    expect(like(pattern, subject, work)).toBe(false);
    // The last segment is anchored at the end: one comparison of its 4,001 code points.
    expect(work.steps).toBe(4001);
    // The previous matcher on a tenth of the input already takes ~100x the subject length in steps.
    const old = { steps: 0 };
    expect(oldMatches(`%${'a'.repeat(400)}b`, subject.slice(0, 10_000), old)).toBe(false);
    expect(old.steps).toBeGreaterThan(3_000_000);
  });

  test.each([
    ['a literal middle segment', `%${'a'.repeat(4000)}b%`],
    ['many `%a`', `${'%a'.repeat(60)}%b`],
    ['a segment of 255 code points with `_`, 8 automaton words', `%${'a_'.repeat(127)}b%`],
    ['many short segments with `_`', `${'%a_a'.repeat(60)}%b`],
    ['only `_` then a literal', `%${'_'.repeat(200)}b%`],
  ])('%s: steps at most the words of the widest segment per value character', (_what, pattern) => {
    const work = { steps: 0 };
    expect(like(pattern, subject, work)).toBe(false);
    const widest = Math.max(...compileLike(pattern).segments.map((s) => s.automaton?.words ?? 1));
    expect(work.steps).toBeGreaterThan(0);
    expect(work.steps).toBeLessThanOrEqual((subject.length + pattern.length) * (widest + 1));
  });

  test.each([
    ['a literal middle segment', `%${'a'.repeat(100)}b%`],
    ['a middle segment with `_`', `%${'a_'.repeat(50)}b%`],
  ])('%s: the previous matcher took value x segment steps, the new one scans the value once', (_what, pattern) => {
    const value = 'a'.repeat(20_000);
    const [old, ours] = [{ steps: 0 }, { steps: 0 }];
    expect(oldMatches(pattern, value, old)).toBe(like(pattern, value, ours));
    expect(old.steps).toBeGreaterThan(value.length * 50);
    expect(ours.steps).toBeLessThanOrEqual(value.length * 5);
  });
});
