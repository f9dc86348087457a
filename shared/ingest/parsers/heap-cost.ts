/**
 * Estimated V8 heap bytes of what a parser keeps, for the budgets that bound it (sarif-budget.ts,
 * pending.ts). Estimates are at or above what V8 (Node 20, 64-bit) was measured to take.
 * A string is stored one byte per character when every character is Latin-1 (U+0000-U+00FF)
 * and two bytes per character otherwise (a "two-byte" string): CJK, Cyrillic or emoji text takes
 * twice its length, which a charge of one byte per character would let through at double size.
 */

/** A string's header and the slot that refers to it, rounded up. */
const PER_STRING = 48;
/** A slot holding a small integer, boolean or null (no object of its own). */
const SLOT = 8;
/** A slot and a HeapNumber: a double, or an integer outside the small-integer range. */
const HEAP_NUMBER = 24;
/** An object's header and a property slot: measured ~56 for `{}` and 16-70 per property as parsed (a new name also adds a hidden class). */
const OBJECT_BASE = 64;
const PER_PROPERTY = 64;
/** An array's header and backing store; elements grow by half again as they are pushed. */
const ARRAY_BASE = 48;
const PER_ELEMENT = 16;

// One UTF-16 code unit beyond Latin-1 (surrogates included) makes the whole string two-byte.
const TWO_BYTE = /[\u0100-\uffff]/;

/** Bytes of a string's characters: 1 each, or 2 each when any is beyond Latin-1. */
export const charBytes = (s: string): number => (TWO_BYTE.test(s) ? 2 * s.length : s.length);

/** A kept string (or nothing when `v` is no string). */
export const stringCost = (v: unknown): number => (typeof v === 'string' ? PER_STRING + charBytes(v) : 0);

const isSmallInt = (n: number): boolean => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;

/**
 * A parsed JSON value held whole (a result waiting for its run's tool). Walks the value once,
 * without recursion (a value nests up to MAX_DEPTH levels, json-limits.ts): the cost of the walk
 * is that of the parse that built it. Property names count as strings: most are shared by every
 * result, but a hostile value may make each one new.
 */
export function valueCost(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') n += stringCost(v);
    else if (typeof v === 'number') n += isSmallInt(v) ? SLOT : HEAP_NUMBER;
    else if (Array.isArray(v)) {
      n += ARRAY_BASE + PER_ELEMENT * v.length;
      for (const e of v) if (typeof e === 'object' && e !== null) stack.push(e);
      else n += scalarCost(e);
    } else if (typeof v === 'object' && v !== null) {
      n += OBJECT_BASE;
      for (const [k, e] of Object.entries(v)) {
        n += PER_PROPERTY + charBytes(k);
        if (typeof e === 'object' && e !== null) stack.push(e);
        else n += scalarCost(e);
      }
    } else n += SLOT;
  }
  return n;
}

/** A scalar array element or property value beyond its slot (counted by its holder). */
function scalarCost(v: unknown): number {
  if (typeof v === 'string') return stringCost(v);
  if (typeof v === 'number' && !isSmallInt(v)) return HEAP_NUMBER - SLOT;
  return 0;
}
