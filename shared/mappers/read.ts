/**
 * Defensive readers for untrusted JSON. Vendor payloads change shape between API versions, GitHub
 * Enterprise Server releases and test tools, so mappers never index into them directly: every read
 * returns undefined (or an empty list) instead of throwing on a missing or mistyped field.
 */
export type Json = Record<string, unknown>;

/** A plain JSON object (not null, not an array), else undefined. */
export const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

/** A non-empty string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A finite number, else undefined. */
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A boolean, else undefined. */
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** An array, else an empty one. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The non-empty strings of a list; undefined when there are none. */
export function strings(v: unknown): string[] | undefined {
  const out = arr(v).filter((s): s is string => typeof s === 'string' && s.length > 0);
  return out.length > 0 ? out : undefined;
}

/**
 * `table[key]` for a key taken from a payload, own properties only: a plain lookup would answer
 * "constructor" or "toString" with Object.prototype's functions.
 */
export function lookup<V>(table: Readonly<Record<string, V>>, key: unknown): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * An ISO 8601 / RFC 3339 date or date-time (`T` or a space between them, any fraction, `Z` or an
 * offset), or an RFC 7231 HTTP-date. Checked before Date.parse because V8 falls back to a lenient
 * legacy parser that reads "12" as 2001-12-01 and "build 42" as 2042.
 */
const ISO = /^(?:[+-]\d{6}|\d{4})-\d{2}-\d{2}(?:([T ])\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The epoch ms RFC 3339 can write: the years 0000 to 9999. toISOString writes other years as
 * +YYYYYY or -YYYYYY, which no CloudEvents `time` or RFC 3339 parser accepts.
 */
export const RFC3339_MIN_MS = -62167219200000; // 0000-01-01T00:00:00.000Z
export const RFC3339_MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

/** Whether epoch ms name a time RFC 3339 can write (see RFC3339_MIN_MS). */
export const inRfc3339Range = (ms: number): boolean => ms >= RFC3339_MIN_MS && ms <= RFC3339_MAX_MS;

/**
 * Epoch ms of an RFC 3339 / ISO 8601 timestamp string, else undefined. A date-time without an
 * offset is read as UTC: Date.parse would read it in the process's time zone, and mappers are pure.
 * Years outside 0000-9999 (ISO's +YYYYYY form) are no time: see RFC3339_MIN_MS.
 */
export function epochMs(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const iso = ISO.exec(s);
  if (iso === null && !HTTP_DATE.test(s)) return undefined;
  // A time without a zone: a date alone is UTC already.
  const zoneless = iso !== null && iso[1] !== undefined && iso[2] === undefined;
  const ms = Date.parse(zoneless ? `${s}Z` : s);
  return Number.isNaN(ms) || !inRfc3339Range(ms) ? undefined : ms;
}

/**
 * Drops keys whose value is undefined, so the mapped event serializes the same way it compares in
 * tests and no consumer sees `"key": undefined` after a structured clone.
 */
export function compact<T extends Json>(o: T): T {
  // A copy rather than `delete`: deleting keys turns an object into a slow dictionary, and
  // mapping runs on every webhook.
  const out = {} as Json;
  for (const key in o) if (o[key] !== undefined) setOwn(out, key, o[key]);
  return out as T;
}

/**
 * `o[key] = value` for a key taken from a payload. JSON.parse (and a spread) make `"__proto__"` an
 * own member, but assigning it calls Object.prototype's setter: the member vanished from the copy
 * and the payload's object became the copy's prototype, its members readable on the copy.
 */
export function setOwn(o: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
