export type JsonLengthWithin = (value: unknown, limit: number, skip?: (v: unknown) => boolean) => number | undefined;

/**
 * Builds `jsonLengthWithin`. Self-contained, it refers to nothing outside its own body: the
 * transform worker is started from its source text (./worker.ts).
 */
export function createJsonLengthWithin(): JsonLengthWithin {
  function jsonLengthWithin(value: unknown, limit: number, skip: (v: unknown) => boolean = () => false): number | undefined {
    const b: Budget = { left: limit, skip };
    const v = resolve(value);
    if (isSkipped(v, b)) return 0;
    return measure(v, b) === OVER ? undefined : limit - b.left;
  }

  const OVER = Symbol('over');
  type Budget = { left: number; skip: (v: unknown) => boolean };

  function take(n: number, b: Budget): typeof OVER | void {
    b.left -= n;
    if (b.left < 0) return OVER;
  }

  /** Values JSON.stringify drops from objects and writes as `null` in arrays. */
  const isSkipped = (v: unknown, b: Budget): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol' || b.skip(v);

  /** JSON.stringify serialises what `toJSON` returns (Dates, for instance). */
  const resolve = (v: unknown): unknown =>
    typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON: () => unknown }).toJSON() : v;

  /** Measures an already resolved value that is not skipped. */
  function measure(v: unknown, b: Budget): typeof OVER | void {
    if (v === null) return take(4, b);
    switch (typeof v) {
      case 'boolean':
        return take(v ? 4 : 5, b);
      case 'number':
        return take(Number.isFinite(v) ? String(v).length : 4, b);
      case 'string':
        // An escaped string is at least its length plus the quotes: refuse huge ones unescaped.
        if (v.length + 2 > b.left) return take(v.length + 2, b);
        return take(quotedLength(v), b);
      case 'bigint':
        throw new TypeError('BigInt values are not JSON');
      default:
        break;
    }
    if (Array.isArray(v)) {
      if (take(2 + Math.max(0, v.length - 1), b) === OVER) return OVER; // brackets and commas
      for (const raw of v) {
        const item = resolve(raw);
        if ((isSkipped(item, b) ? take(4, b) : measure(item, b)) === OVER) return OVER;
      }
      return;
    }
    if (take(2, b) === OVER) return OVER;
    let first = true;
    const obj = v as Record<string, unknown>;
    // for-in plus hasOwn: JSON.stringify's own enumerable string keys, without allocating entries.
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const item = resolve(obj[key]);
      if (isSkipped(item, b)) continue;
      // Key, colon and the comma before every member but the first.
      if (take(quotedLength(key) + 1 + (first ? 0 : 1), b) === OVER) return OVER;
      if (measure(item, b) === OVER) return OVER;
      first = false;
    }
  }

  /** Quoted length; JSON.stringify only when it escapes something: `"`, `\`, controls, surrogates. */
  function quotedLength(s: string): number {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s).length;
    }
    return s.length + 2;
  }

  return jsonLengthWithin;
}

/**
 * `JSON.stringify(value).length` (0 when it gives undefined), or `undefined` as soon as the length
 * is known to exceed `limit`. Serialising first would cost the full output: a JSONata result can
 * be tens of megabytes, or a DAG that shares one array at every level and so stringifies to an
 * exponential size. Every visit here adds at least one character, so the walk ends within `limit`
 * steps. `skip` names further values to treat like functions (dropped, or `null` in arrays), for
 * a replacer that drops them too.
 */
export const jsonLengthWithin: JsonLengthWithin = createJsonLengthWithin();
