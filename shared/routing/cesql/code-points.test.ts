import fc from 'fast-check';
import type { CloudEvent } from '../../events/cloudevent';
import { compileCesql, evaluateCesql } from './index';

/**
 * LENGTH, LEFT, RIGHT and SUBSTRING count code points by scanning the string (code-points.ts)
 * instead of splitting it with Array.from: the same results, without an array per call.
 */
const event = (x: string): CloudEvent => ({ specversion: '1.0', id: '1', source: 's', type: 't', x });

function run(expr: string, x: string): { value: unknown; errors: string[] } {
  const c = compileCesql(expr);
  if (!c.ok) throw new Error(c.error);
  const r = evaluateCesql(c.program, event(x));
  return { value: r.value, errors: r.errors.map((e) => e.kind) };
}

/** Spec 3.5.1 on an array of code points, as Array.from splits them (a lone surrogate is one). */
function reference(fn: string, x: string, a: number, b?: number): { value: unknown; errors: string[] } {
  const cs = Array.from(x);
  const error = (value: unknown) => ({ value, errors: ['functionEvaluation'] });
  switch (fn) {
    case 'LENGTH':
      return { value: cs.length, errors: [] };
    case 'LEFT':
      return a < 0 ? error(x) : { value: cs.slice(0, a).join(''), errors: [] };
    case 'RIGHT':
      return a < 0 ? error(x) : { value: a === 0 ? '' : cs.slice(-a).join(''), errors: [] };
    default: {
      if (a > cs.length || a < -cs.length || (b !== undefined && b < 0)) return error('');
      if (a === 0) return { value: '', errors: [] };
      const start = a > 0 ? a - 1 : cs.length + a;
      return { value: cs.slice(start, b === undefined ? undefined : start + b).join(''), errors: [] };
    }
  }
}

// Pairs, lone halves of both kinds, and a pair split by another character.
const PIECES = ['a', 'é', '😀', '\uD83D', '\uDE00', '\uD83D\uDE00', 'ж'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map((a) => a.join(''));
const index = fc.integer({ min: -12, max: 12 });

describe('code point string functions', () => {
  test('agree with Array.from on strings with surrogate pairs and lone surrogates', () => {
    fc.assert(
      fc.property(text, index, index, (x, a, b) => {
        expect(run('LENGTH(x)', x)).toEqual(reference('LENGTH', x, 0));
        expect(run(`LEFT(x, ${a})`, x)).toEqual(reference('LEFT', x, a));
        expect(run(`RIGHT(x, ${a})`, x)).toEqual(reference('RIGHT', x, a));
        expect(run(`SUBSTRING(x, ${a})`, x)).toEqual(reference('SUBSTRING', x, a));
        expect(run(`SUBSTRING(x, ${a}, ${b})`, x)).toEqual(reference('SUBSTRING', x, a, b));
      }),
      { numRuns: 2000 },
    );
  });

  test('TRIM strips Unicode White_Space at both ends only, lone surrogates and inner spaces kept', () => {
    const spaces = ['\t', '\n', '\u000b', ' ', '\u0085', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b'];
    const padded = fc.array(fc.constantFrom(...PIECES, ...spaces), { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(
      fc.property(padded, (x) => {
        expect(run('TRIM(x)', x)).toEqual({ value: x.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, ''), errors: [] });
      }),
      { numRuns: 2000 },
    );
    // Every BMP character, alone: whitespace exactly as the engine's Unicode tables say.
    const trim = compileCesql('TRIM(x)');
    if (!trim.ok) throw new Error(trim.error);
    const wrong: number[] = [];
    for (let unit = 0; unit < 0x10000; unit++) {
      const c = String.fromCharCode(unit);
      if (evaluateCesql(trim.program, event(c)).value !== (/\p{White_Space}/u.test(c) ? '' : c)) wrong.push(unit);
    }
    expect(wrong).toEqual([]);
  });

  test('TRIM reads the characters at its ends only, not a run of whitespace inside the attribute', () => {
    // A regular expression anchored at the end (`\p{White_Space}+$`) retries an inner run from
    // every position in it: 100,000 spaces between two letters took half a minute, in the
    // router's thread, for one call charged 100,000 units of work.
    const x = `x${' '.repeat(10_000)}x`;
    const reads = jest.spyOn(String.prototype, 'charCodeAt');
    const replaces = jest.spyOn(String.prototype, 'replace');
    try {
      expect(run('LENGTH(TRIM(x))', ` \t${x}\u3000`)).toEqual({ value: x.length, errors: [] });
      expect(replaces).not.toHaveBeenCalled();
      // The three spaces and the two letters that end them.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(5);
    } finally {
      reads.mockRestore();
      replaces.mockRestore();
    }
  });

  test('build no array of the code points of a long attribute', () => {
    const x = `${'😀'.repeat(1000)}${'a'.repeat(1000)}`;
    const spy = jest.spyOn(Array, 'from');
    try {
      expect(run('LENGTH(x) = 2000 AND LEFT(x, 1) = RIGHT(SUBSTRING(x, 1, 1000), 1) AND RIGHT(x, 1) = \'a\'', x)).toEqual({ value: true, errors: [] });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
