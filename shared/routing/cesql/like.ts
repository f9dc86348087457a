import { ANY_MANY, ANY_ONE, type LikeToken } from './types';

/**
 * LIKE patterns (spec 3.4.3): `%` is any run of characters, `_` exactly one, `\%` and `\_` the
 * literal characters; any other backslash is an ordinary character (TCK like_expression.yaml,
 * "Exact match (2)": `'ab\c' LIKE 'ab\c'` is true). Characters are Unicode code points.
 */
export function compileLike(pattern: string): LikeToken[] {
  const cps = Array.from(pattern);
  const out: LikeToken[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const n = cps[i + 1];
    if (c === '\\' && (n === '%' || n === '_')) {
      out.push(n);
      i++;
    } else if (c === '%') {
      if (out[out.length - 1] !== ANY_MANY) out.push(ANY_MANY); // `%%` is the same as `%`
    } else {
      out.push(c === '_' ? ANY_ONE : c);
    }
  }
  return out;
}

/**
 * Wildcard matching without regular expressions: the greedy algorithm that backtracks only to the
 * last `%` runs in O(value x pattern) at worst, so a hostile pattern such as `%a%a%a%a%b` cannot
 * trigger the exponential backtracking a translated RegExp could.
 */
export function likeMatches(pattern: readonly LikeToken[], value: string): boolean {
  const s = Array.from(value);
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < s.length) {
    const tok = pattern[p];
    if (p < pattern.length && tok !== ANY_MANY && (tok === ANY_ONE || tok === s[v])) {
      p++;
      v++;
    } else if (tok === ANY_MANY) {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === ANY_MANY) p++;
  return p === pattern.length;
}
