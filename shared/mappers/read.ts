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

/** Epoch ms of an RFC 3339 / ISO 8601 timestamp string, else undefined. */
export function epochMs(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Drops keys whose value is undefined, so the mapped event serializes the same way it compares in
 * tests and no consumer sees `"key": undefined` after a structured clone.
 */
export function compact<T extends Json>(o: T): T {
  // A copy rather than `delete`: deleting keys turns an object into a slow dictionary, and
  // mapping runs on every webhook.
  const out = {} as Json;
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out as T;
}
