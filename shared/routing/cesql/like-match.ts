import type { LikeAutomaton, LikePattern, LikeSegment } from './types';

/**
 * Work done by likeMatches, for tests: code units scanned by indexOf (from where a search starts
 * to the end of what it found, or to the end of the value), code points compared in place, and
 * 32-bit words updated by the automaton. It is linear in the value for a given pattern.
 */
export interface LikeWork {
  steps: number;
}

/**
 * Matches a compiled pattern (compileLike) in time linear in the value, without regular
 * expressions or backtracking. The value is scanned as UTF-16 with positions kept on code point
 * boundaries, so no array of code points is built:
 *   - the first segment must match at the start and the last one end at the end, each compared in
 *     place (O(segment));
 *   - each middle segment is found leftmost from where the previous one ended (greedy leftmost
 *     is exact for fixed-length segments between `%`, so there is never a second try): a literal
 *     segment with indexOf; one with `_` with a Shift-And automaton, which advances one state per
 *     value code point (O(value x ceil(segment / 32)), see MAX_LIKE_PATTERN_LENGTH), after an
 *     indexOf of its longest literal run skips the text where no match can start.
 * Each middle search starts where the previous match ended, so all of them scan the value once.
 */
export function likeMatches(pattern: LikePattern, value: string, work?: LikeWork): boolean {
  const segs = pattern.segments;
  let cur = matchAt(segs[0]!, value, 0, work);
  if (cur < 0) return false;
  if (segs.length === 1) return cur === value.length;
  for (let k = 1; k < segs.length - 1 && cur >= 0; k++) cur = find(segs[k]!, value, cur, work);
  const last = segs[segs.length - 1]!;
  const start = back(value, last.cps);
  return cur >= 0 && start >= cur && matchAt(last, value, start, work) === value.length;
}

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;
/** True when offset i falls between the two halves of a surrogate pair (not a code point boundary). */
const splitsPair = (s: string, i: number) => i > 0 && i < s.length && isLow(s.charCodeAt(i)) && isHigh(s.charCodeAt(i - 1));
const width = (s: string, i: number) => (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1)) ? 2 : 1);

/** Offset `n` code points before the end of s, or -1 when s is shorter. */
function back(s: string, n: number): number {
  let i = s.length;
  for (; n > 0; n--) {
    if (i <= 0) return -1;
    i -= i >= 2 && isLow(s.charCodeAt(i - 1)) && isHigh(s.charCodeAt(i - 2)) ? 2 : 1;
  }
  return i;
}

/** Matches seg at offset i (a code point boundary): the offset after it, or -1. */
function matchAt(seg: LikeSegment, s: string, i: number, work?: LikeWork): number {
  if (work) work.steps += seg.cps;
  for (const part of seg.parts) {
    if (typeof part === 'number') {
      for (let n = part; n > 0; n--) {
        if (i >= s.length) return -1;
        i += width(s, i);
      }
    } else {
      if (!s.startsWith(part, i)) return -1;
      i += part.length;
      if (splitsPair(s, i)) return -1;
    }
  }
  return i;
}

/** The offset after the leftmost match of seg at or after `from`, or -1. */
function find(seg: LikeSegment, s: string, from: number, work?: LikeWork): number {
  if (seg.literal !== undefined) {
    // A literal with whole code points at both edges can only be found on boundaries.
    const at = s.indexOf(seg.literal, from);
    if (work) work.steps += (at < 0 ? s.length : at + seg.literal.length) - from;
    return at < 0 ? -1 : at + seg.literal.length;
  }
  return shiftAnd(seg.automaton!, seg.cps, s, from, work);
}

/**
 * Shift-And over code points: after reading a code point, bit j of the state says the segment's
 * first j + 1 positions match the text ending there; a match ends when bit cps - 1 is set.
 */
function shiftAnd(a: LikeAutomaton, cps: number, s: string, from: number, work?: LikeWork): number {
  let i = from;
  if (a.anchor) {
    // A match starting at p holds the run at p + offset code points, at most 2 x offset units on.
    const at = s.indexOf(a.anchor.run, from);
    if (work) work.steps += (at < 0 ? s.length : at + a.anchor.run.length) - from;
    if (at < 0) return -1;
    const lowest = at - 2 * a.anchor.offset;
    if (lowest > i) i = splitsPair(s, lowest) ? lowest + 1 : lowest;
  }
  const top = a.words - 1;
  const bit = 1 << ((cps - 1) & 31);
  const state = new Int32Array(a.words);
  const start = i;
  let found = -1;
  while (i < s.length) {
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    const m = a.masks.get(c) ?? a.other;
    for (let k = top; k > 0; k--) state[k] = ((state[k]! << 1) | (state[k - 1]! >>> 31)) & m[k]!;
    state[0] = ((state[0]! << 1) | 1) & m[0]!;
    if (state[top]! & bit) {
      found = i;
      break;
    }
  }
  // Code units read, times the words each one updates.
  if (work) work.steps += (i - start) * a.words;
  return found;
}
