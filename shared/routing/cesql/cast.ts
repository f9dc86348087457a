import { type CesqlType, type CesqlValue, ZERO, isInt32, typeOf } from './types';

export interface CastResult {
  value: CesqlValue;
  /** Set when the cast failed; `value` is then the target type's zero value. */
  error?: string;
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/**
 * Type casting, spec 3.7. `explicit` distinguishes the casting functions (INT, BOOL, STRING) from
 * the implicit casts operators apply to their operands.
 *
 * One deliberate difference between the two: Integer -> Boolean. The 3.7 table makes it a MUST
 * (`0` is false, anything else true) and BOOL(100) is true in the TCK (casting_functions.yaml),
 * yet the TCK's not_operator.yaml "Invalid int cast" expects `NOT 10` to be `true` with a cast
 * error, i.e. the implicit cast fails and yields the zero value `false`. Both pass only if the
 * cast is explicit-only; that is also the safer reading for filters (`NOT 10` is likely a typo).
 */
export function cast(v: CesqlValue, to: CesqlType, explicit: boolean): CastResult {
  const from = typeOf(v);
  if (from === to) return { value: v };
  switch (to) {
    case 'String':
      // Integer -> String is base 10 without leading zeros; Boolean -> "true" / "false".
      return { value: String(v) };
    case 'Integer':
      if (typeof v === 'boolean') return { value: v ? 1 : 0 };
      return stringToInteger(v as string);
    case 'Boolean':
      if (typeof v === 'number') {
        return explicit ? { value: v !== 0 } : fail(to, `implicit cast of integer ${v} to Boolean`);
      }
      return stringToBoolean(v as string);
  }
}

function stringToInteger(s: string): CastResult {
  // Base 10 with an optional sign; overflow is an error like any other invalid text.
  const n = INTEGER_TEXT.test(s) ? Number(s) : NaN;
  return isInt32(n) ? { value: n === 0 ? 0 : n } : fail('Integer', `cannot cast ${JSON.stringify(truncate(s))} to Integer`);
}

function stringToBoolean(s: string): CastResult {
  // Only "true" and "false" cast, in any case, and lower-casing never shortens a string (Unicode
  // lower-case mappings are one-to-one or expand): no need to copy a long attribute to learn that.
  const lower = s.length <= 5 ? s.toLowerCase() : '';
  if (lower === 'true') return { value: true };
  if (lower === 'false') return { value: false };
  return fail('Boolean', `cannot cast ${JSON.stringify(truncate(s))} to Boolean`);
}

const fail = (to: CesqlType, error: string): CastResult => ({ value: ZERO[to], error });

/** Error messages quote the offending value, bounded: attribute values can be long. */
const truncate = (s: string): string => (s.length > 64 ? `${s.slice(0, 61)}...` : s);
