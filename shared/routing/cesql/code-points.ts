/**
 * Code point arithmetic on UTF-16 strings without building an array of code points: the string
 * functions count characters as code points (spec 3.5.1; LENGTH of an emoji is 1), and
 * `Array.from` of a 1 MiB attribute allocated a million-element array per call. A lone surrogate
 * is one code point, as Array.from counts it.
 */
const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

/** Code units of the code point at offset i. */
const width = (s: string, i: number) => (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1)) ? 2 : 1);

/**
 * Without a surrogate, code points are code units. The test costs nothing on one-byte strings
 * (V8 knows no Latin-1 character is in the class) and about a nanosecond per unit otherwise.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

export function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** The offset after the first n code points from offset `from` (s.length when fewer remain). */
export function advance(s: string, n: number, from = 0): number {
  if (!SURROGATE.test(s)) return Math.min(s.length, from + Math.max(0, n));
  let i = from;
  for (; n > 0 && i < s.length; n--) i += width(s, i);
  return i;
}

/** The first n code points of s. */
export const leftCodePoints = (s: string, n: number): string => s.slice(0, advance(s, n));

/** The last n code points of s (all of s when it is shorter). */
export function rightCodePoints(s: string, n: number): string {
  const total = codePointLength(s);
  return n >= total ? s : s.slice(advance(s, total - n));
}
