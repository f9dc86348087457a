import { isDelete, type Write } from '../ports/store';

/**
 * What the memory, PostgreSQL and Redis stores check beyond the port's own argument checks
 * (shared/ports/store.ts), so that each of them refuses the same writes instead of storing one
 * thing on one backend and another (or failing half-way) on the next.
 */

/**
 * The longest TTL a store takes: about 317 years, far beyond any record's life. Larger ones
 * (a rate limit of one token per 10^300 s) give expiry times PostgreSQL's bigint and Redis's
 * PEXPIREAT refuse, and Firestore's timestamps end in the year 9999: each failed its own way
 * (a driver error, a script that stopped half-way through a batch).
 */
export const MAX_TTL_SECONDS = 10_000_000_000;

/** When an item written at `now` with this TTL expires: whole milliseconds, as every store keeps it. */
export const expiryOf = (now: number, ttlSeconds: number): number => now + Math.round(ttlSeconds * 1000);

// With the u flag a surrogate pair is one code point and does not match: only lone ones do.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
type WellFormed = { isWellFormed?: () => boolean };
// Node 20's native check (ES2024, not yet in the TypeScript lib we target) is several times
// faster than the expression over a large value.
const native = typeof (String.prototype as WellFormed).isWellFormed === 'function';

/**
 * Whether a text survives UTF-8 unchanged. PostgreSQL and Redis keep UTF-8: a lone surrogate
 * becomes U+FFFD on the way, so two keys that differ only there would be one record (a claim or a
 * replay check of one answered by the other).
 */
export const isWellFormed = (text: string): boolean => (native ? (text as unknown as WellFormed).isWellFormed!() : !LONE_SURROGATE.test(text));

/** Refuses a key, prefix or value that is not well-formed Unicode text. */
export function checkText(store: string, what: string, text: string): void {
  if (!isWellFormed(text)) throw new TypeError(`${store}: a ${what} must be well-formed Unicode text (it has a lone surrogate)`);
}

/** The checks of one put or a putAll's writes: text, and a TTL no store can hold. */
export function checkStoreWrites(store: string, writes: readonly Write[]): void {
  for (const w of writes) {
    checkText(store, 'key', w.key);
    if (isDelete(w)) continue;
    checkText(store, 'value', w.value);
    const ttl = w.opts?.ttlSeconds;
    if (ttl !== undefined && ttl > MAX_TTL_SECONDS) throw new RangeError(`ttlSeconds: at most ${MAX_TTL_SECONDS}`);
  }
}
