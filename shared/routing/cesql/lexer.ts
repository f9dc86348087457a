import { CesqlParseError } from './types';

/**
 * CESQL tokens (spec 2.2-2.4). Keywords are case-insensitive (spec 2), so words are kept as
 * written and the parser compares them upper-cased. Integer signs are not lexed here: the parser
 * folds a `-`/`+` in prefix position into the literal, so `1 -1` is a subtraction and
 * `-2147483648` is a valid 32-bit literal.
 */
export type Token =
  | { t: 'number'; pos: number; text: string }
  | { t: 'string'; pos: number; value: string }
  | { t: 'word'; pos: number; text: string }
  | { t: 'op'; pos: number; text: string }
  | { t: 'end'; pos: number };

const WORD = /[A-Za-z0-9_]/;
const DIGITS = /^[0-9]+$/;
/** The upstream reference lexer (CESQLLexer.g4) skips these four and nothing else. */
const SPACE = /[ \t\r\n]/;
const TWO_CHAR_OPS = ['!=', '<>', '<=', '>='];
const ONE_CHAR_OPS = '()=<>+-*/%,';

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (SPACE.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const { value, next } = readString(src, i);
      out.push({ t: 'string', pos: i, value });
      i = next;
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < src.length && WORD.test(src[j]!)) j++;
      const text = src.slice(i, j);
      out.push(DIGITS.test(text) ? { t: 'number', pos: i, text } : { t: 'word', pos: i, text });
      i = j;
    } else if (TWO_CHAR_OPS.includes(src.slice(i, i + 2))) {
      out.push({ t: 'op', pos: i, text: src.slice(i, i + 2) });
      i += 2;
    } else if (ONE_CHAR_OPS.includes(c)) {
      out.push({ t: 'op', pos: i, text: c });
      i++;
    } else {
      throw new CesqlParseError(i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

/**
 * Spec 2.2: `'...'` or `"..."`; the delimiter is escaped with a backslash. As in the reference
 * lexer a backslash always pairs with the next character, and only `\'` (resp. `\"`) is
 * unescaped: other pairs stay verbatim so LIKE patterns keep their `\%` and `\_` escapes.
 */
function readString(src: string, start: number): { value: string; next: number } {
  const quote = src[start]!;
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) return { value, next: i + 1 };
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      value += n === quote ? n : c + n;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
  throw new CesqlParseError(start, 'unterminated string literal');
}
