import { cast } from './cast';
import { advance, codePointLength, leftCodePoints, rightCodePoints } from './code-points';
import { type CesqlErrorKind, type CesqlType, type CesqlValue, INT_MAX, INT_MIN } from './types';

export interface FunctionResult {
  value: CesqlValue;
  error?: { kind: CesqlErrorKind; message: string };
}

/**
 * A built-in (spec 3.5). Arguments arrive already cast to `params` (and `variadic` for the rest);
 * `Any` parameters receive the value untouched. Functions are total: on error they still return a
 * value of their return type (spec 3.5.3).
 */
export interface CesqlFunction {
  params: readonly (CesqlType | 'Any')[];
  variadic?: CesqlType;
  returns: CesqlType;
  impl: (args: CesqlValue[]) => FunctionResult;
  /**
   * Work units (budget.ts) of one call, charged before it runs: by default the code units of its
   * String arguments, which every built-in reads or copies about once; see CONCAT_WS.
   */
  cost: (args: CesqlValue[]) => number;
}

/** The default cost: one unit per code unit of each String argument. */
export function argumentCost(args: readonly CesqlValue[]): number {
  let n = 0;
  for (const a of args) if (typeof a === 'string') n += a.length;
  return n;
}

type Impl<A extends CesqlValue[]> = (...args: A) => FunctionResult;
const fn = <A extends CesqlValue[]>(params: CesqlFunction['params'], returns: CesqlType, impl: Impl<A>, variadic?: CesqlType, cost?: CesqlFunction['cost']): CesqlFunction => ({
  params,
  returns,
  variadic,
  impl: (args) => impl(...(args as A)),
  cost: cost ?? argumentCost,
});
const ok = (value: CesqlValue): FunctionResult => ({ value });
const evalError = (value: CesqlValue, message: string): FunctionResult => ({ value, error: { kind: 'functionEvaluation', message } });

/**
 * Spec 3.5.1 TRIM: Unicode White_Space only (String.prototype.trim also strips U+FEFF). Read one
 * character at a time from each end: a regular expression anchored at the end
 * (`\p{White_Space}+$`) retries a run of inner whitespace from each of its positions, quadratic in
 * an attribute the event's sender controls. The property's 25 characters (unchanged since Unicode
 * 6.3; the tests compare with `\p{White_Space}`) are all in the BMP: a surrogate is never one.
 */
const WHITE_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);
const isWhiteSpace = (unit: number): boolean => WHITE_SPACE.has(unit);
function trim(x: string): string {
  let start = 0;
  let end = x.length;
  while (start < end && isWhiteSpace(x.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(x.charCodeAt(end - 1))) end--;
  return x.slice(start, end);
}

/** Characters are Unicode code points, not UTF-16 units (LENGTH of an emoji is 1): see code-points.ts. */
function substring(x: string, pos: number, len?: number): FunctionResult {
  const length = codePointLength(x);
  if (pos > length || pos < -length) return evalError('', `SUBSTRING position ${pos} is outside a string of length ${length}`);
  if (len !== undefined && len < 0) return evalError('', `SUBSTRING length ${len} is negative`);
  if (pos === 0) return ok('');
  const start = advance(x, pos > 0 ? pos - 1 : length + pos);
  return ok(x.slice(start, len === undefined ? undefined : advance(x, len, start)));
}

/**
 * CONCAT_WS copies the delimiter between every two strings: `CONCAT_WS(CONCAT(x, x), x, x, ...)`
 * multiplies an attribute by the argument count, so the delimiter is charged once per copy.
 */
const concatWsCost = (args: CesqlValue[]): number => argumentCost(args) + (args[0] as string).length * Math.max(0, args.length - 2);

const explicitCast = (to: CesqlType) => (x: CesqlValue): FunctionResult => {
  const r = cast(x, to, true);
  return r.error === undefined ? ok(r.value) : { value: r.value, error: { kind: 'cast', message: r.error } };
};
const canCast = (to: CesqlType) => (x: CesqlValue): FunctionResult => ok(cast(x, to, true).error === undefined);

/**
 * Built-ins by upper-cased name. Overloads differ by arity only (spec 3.5); a variadic overload
 * takes its fixed parameters plus zero or more of `variadic`.
 */
const BUILTINS: Readonly<Record<string, readonly CesqlFunction[]>> = {
  // Spec 3.5.2.
  ABS: [fn<[number]>(['Integer'], 'Integer', (x) =>
    x === INT_MIN ? { value: INT_MAX, error: { kind: 'math', message: 'ABS(-2147483648) overflows 32 bits' } } : ok(Math.abs(x)))],
  // Spec 3.5.1.
  LENGTH: [fn<[string]>(['String'], 'Integer', (x) => ok(codePointLength(x)))],
  CONCAT: [fn<string[]>([], 'String', (...xs) => ok(xs.join('')), 'String')],
  CONCAT_WS: [fn<[string, ...string[]]>(['String'], 'String', (sep, ...xs) => ok(xs.join(sep)), 'String', concatWsCost)],
  LOWER: [fn<[string]>(['String'], 'String', (x) => ok(x.toLowerCase()))],
  UPPER: [fn<[string]>(['String'], 'String', (x) => ok(x.toUpperCase()))],
  TRIM: [fn<[string]>(['String'], 'String', (x) => ok(trim(x)))],
  LEFT: [fn<[string, number]>(['String', 'Integer'], 'String', (x, n) =>
    n < 0 ? evalError(x, `LEFT length ${n} is negative`) : ok(leftCodePoints(x, n)))],
  RIGHT: [fn<[string, number]>(['String', 'Integer'], 'String', (x, n) =>
    n < 0 ? evalError(x, `RIGHT length ${n} is negative`) : ok(rightCodePoints(x, n)))],
  SUBSTRING: [
    fn<[string, number]>(['String', 'Integer'], 'String', (x, pos) => substring(x, pos)),
    fn<[string, number, number]>(['String', 'Integer', 'Integer'], 'String', substring),
  ],
  // Casting functions of the CESQL drafts, used throughout the TCK; semantics of spec 3.7.
  INT: [fn(['Any'], 'Integer', explicitCast('Integer'))],
  BOOL: [fn(['Any'], 'Boolean', explicitCast('Boolean'))],
  STRING: [fn(['Any'], 'String', explicitCast('String'))],
  IS_INT: [fn(['Any'], 'Boolean', canCast('Integer'))],
  IS_BOOL: [fn(['Any'], 'Boolean', canCast('Boolean'))],
  // Every value casts to String, so this is true for any argument (kept for draft compatibility).
  IS_STRING: [fn(['Any'], 'Boolean', canCast('String'))],
};

/** Dispatch by name and arity (spec 3.5); `undefined` means a MissingFunctionError. */
export function resolveFunction(name: string, arity: number): CesqlFunction | undefined {
  const overloads = Object.hasOwn(BUILTINS, name) ? BUILTINS[name]! : [];
  return (
    overloads.find((f) => f.variadic === undefined && f.params.length === arity) ??
    overloads.find((f) => f.variadic !== undefined && arity >= f.params.length)
  );
}

/** The declared type of argument `i`, `Any` meaning no implicit cast. */
export const parameterType = (f: CesqlFunction, i: number): CesqlType | 'Any' => f.params[i] ?? f.variadic ?? 'Any';
