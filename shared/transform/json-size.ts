/** How the value is written: `replace` as JSON.stringify's replacer (called with the value only), `indent` as its `space`. */
export interface JsonLengthOptions {
  replace?: (value: unknown) => unknown;
  indent?: number;
  /** Levels of arrays and objects allowed: a deeper value gives `undefined`, after calling `onTooDeep`. */
  maxDepth?: number;
  onTooDeep?: () => void;
}
export type JsonLengthWithin = (value: unknown, limit: number, options?: JsonLengthOptions) => number | undefined;

/**
 * Builds `jsonLengthWithin`. Self-contained, it refers to nothing outside its own body: the
 * transform worker is started from its source text (./worker.ts).
 */
export function createJsonLengthWithin(): JsonLengthWithin {
  function jsonLengthWithin(value: unknown, limit: number, options: JsonLengthOptions = {}): number | undefined {
    const gap = Math.min(10, Math.max(0, Math.trunc(options.indent ?? 0)));
    const b: Budget = { left: limit, replace: options.replace ?? ((v) => v), gap, maxDepth: options.maxDepth ?? Infinity, tooDeep: false };
    const v = resolve(value, b);
    if (isSkipped(v)) return 0;
    if (measure(v, b, 0) !== OVER) return limit - b.left;
    if (b.tooDeep) options.onTooDeep?.();
    return undefined;
  }

  const OVER = Symbol('over');
  type Budget = { left: number; replace: (v: unknown) => unknown; gap: number; maxDepth: number; tooDeep: boolean };

  function take(n: number, b: Budget): typeof OVER | void {
    b.left -= n;
    if (b.left < 0) return OVER;
  }

  /** Values JSON.stringify drops from objects and writes as `null` in arrays. */
  const isSkipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

  /** JSON.stringify serialises what `toJSON` returns (Dates, for instance), then what the replacer makes of it. */
  const resolve = (v: unknown, b: Budget): unknown =>
    b.replace(typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON: () => unknown }).toJSON() : v);

  /**
   * Measures an already resolved value that is not skipped, `level` containers deep. With an
   * indent, every member of a non-empty container starts a line indented one level deeper than
   * the container, its closing bracket one at the container's level, and a colon takes a space.
   */
  function measure(v: unknown, b: Budget, level: number): typeof OVER | void {
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
    // A container at `level` is the (level + 1)th level: refused before it is walked (or recursed into).
    if (level >= b.maxDepth) {
      b.tooDeep = true;
      return OVER;
    }
    const line = b.gap === 0 ? 0 : 1 + b.gap * (level + 1); // newline and indent before each member
    const close = b.gap === 0 ? 0 : 1 + b.gap * level; // newline and indent before the closing bracket
    if (Array.isArray(v)) {
      // Brackets and commas, and the layout, first: a long array is refused before its items are walked.
      if (take(2 + Math.max(0, v.length - 1) + (v.length === 0 ? 0 : v.length * line + close), b) === OVER) return OVER;
      for (const raw of v) {
        const item = resolve(raw, b);
        if ((isSkipped(item) ? take(4, b) : measure(item, b, level + 1)) === OVER) return OVER;
      }
      return;
    }
    if (take(2, b) === OVER) return OVER;
    let first = true;
    const obj = v as Record<string, unknown>;
    // for-in plus hasOwn: JSON.stringify's own enumerable string keys, without allocating entries.
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const item = resolve(obj[key], b);
      if (isSkipped(item)) continue;
      // Key, colon and the comma before every member but the first.
      if (take(quotedLength(key) + 1 + (first ? 0 : 1) + (line === 0 ? 0 : line + 1), b) === OVER) return OVER;
      if (measure(item, b, level + 1) === OVER) return OVER;
      first = false;
    }
    if (!first) return take(close, b);
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
 * steps. `options` describe JSON.stringify's other arguments: a replacer (`replace(v)` for
 * `(key, v) => ...`; one that turns values into `undefined` drops them, or makes them `null` in
 * arrays) and an indent.
 */
export const jsonLengthWithin: JsonLengthWithin = createJsonLengthWithin();
