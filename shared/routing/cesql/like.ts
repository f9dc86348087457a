import type { LikeAutomaton, LikePattern, LikeSegment } from './types';

export { likeMatches, type LikeWork } from './like-match';

/** A `_` among the code points of a segment. */
const ANY_ONE = null;
type Item = string | typeof ANY_ONE;

/**
 * LIKE patterns (spec 3.4.3): `%` is any run of characters, `_` exactly one, `\%` and `\_` the
 * literal characters; any other backslash is an ordinary character (TCK like_expression.yaml,
 * "Exact match (2)": `'ab\c' LIKE 'ab\c'` is true), so `\\%` is a backslash then a literal `%`.
 * Characters are Unicode code points, as Array.from splits them (a lone surrogate is one).
 */
export function compileLike(pattern: string): LikePattern {
  const cps = Array.from(pattern);
  const segments: LikeSegment[] = [];
  let items: Item[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const n = cps[i + 1];
    if (c === '\\' && (n === '%' || n === '_')) {
      items.push(n);
      i++;
    } else if (c === '%') {
      segments.push(segment(items));
      items = [];
    } else {
      items.push(c === '_' ? ANY_ONE : c);
    }
  }
  segments.push(segment(items));
  // Empty segments between two `%` match anywhere: `a%%b` is `a%b`. The first and last stay (anchors).
  const kept = segments.filter((s, i) => i === 0 || i === segments.length - 1 || s.cps > 0);
  const middle = kept.slice(1, -1);
  return { segments: kept, cost: middle.length === 0 ? 0 : Math.max(1, ...middle.map((s) => s.automaton?.words ?? 0)) };
}

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

function segment(items: readonly Item[]): LikeSegment {
  const parts: (string | number)[] = [];
  for (const it of items) {
    const last = parts[parts.length - 1];
    if (it === ANY_ONE) parts.push(typeof last === 'number' ? (parts.pop() as number) + 1 : 1);
    else parts.push(typeof last === 'string' ? (parts.pop() as string) + it : it);
  }
  const literal = parts.length === 0 ? '' : parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
  // indexOf finds UTF-16 substrings: one starting with a low or ending with a high surrogate could
  // be found inside a surrogate pair of the value, which is not a code point boundary.
  if (literal !== undefined && !isLow(literal.charCodeAt(0)) && !isHigh(literal.charCodeAt(literal.length - 1))) {
    return { cps: items.length, parts, literal };
  }
  return { cps: items.length, parts, automaton: automaton(items, parts) };
}

/** Shift-And (Baeza-Yates and Gonnet 1992): bit j of a mask says position j accepts the code point. */
function automaton(items: readonly Item[], parts: readonly (string | number)[]): LikeAutomaton {
  const words = Math.max(1, Math.ceil(items.length / 32));
  const other = new Int32Array(words);
  items.forEach((it, j) => {
    if (it === ANY_ONE) other[j >> 5]! |= 1 << (j & 31);
  });
  const masks = new Map<number, Int32Array>();
  items.forEach((it, j) => {
    if (it === ANY_ONE) return;
    const cp = it.codePointAt(0)!;
    const m = masks.get(cp) ?? Int32Array.from(other);
    m[j >> 5]! |= 1 << (j & 31);
    masks.set(cp, m);
  });
  let anchor: LikeAutomaton['anchor'];
  let offset = 0;
  for (const p of parts) {
    if (typeof p === 'number') offset += p;
    else {
      if (p.length > (anchor?.run.length ?? 0)) anchor = { run: p, offset };
      offset += Array.from(p).length;
    }
  }
  return { words, masks, other, ...(anchor && { anchor }) };
}
