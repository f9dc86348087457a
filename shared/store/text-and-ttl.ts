import { checkKey, isDelete, MAX_TTL_SECONDS, type Write } from '../ports/store';

/**
 * What every store checks beyond the port's own argument checks (shared/ports/store.ts), so that
 * each of them refuses the same writes instead of storing one thing on one backend and another
 * (or failing half-way) on the next.
 */

/** Kept here too: the TTL ceiling is the port's (checkPutOptions). */
export { MAX_TTL_SECONDS };

/** When an item written at `now` with this TTL expires: whole milliseconds, as every store keeps it. */
export const expiryOf = (now: number, ttlSeconds: number): number => now + Math.round(ttlSeconds * 1000);

// With the u flag a surrogate pair is one code point and does not match: only lone ones do.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
type WellFormed = { isWellFormed?: () => boolean };
// Node 20's native check (ES2024, not yet in the TypeScript lib we target) is several times
// faster than the expression over a large value.
const native = typeof (String.prototype as WellFormed).isWellFormed === 'function';

/**
 * Whether a text survives UTF-8 unchanged. PostgreSQL, Redis, DynamoDB, Azure Table and Firestore
 * keep UTF-8: a lone surrogate becomes U+FFFD on the way, so two keys that differ only there would
 * be one record (a claim or a replay check of one answered by the other). SQLite keeps such keys
 * apart but lists them, and reads such values, with U+FFFD in the surrogate's place.
 */
export const isWellFormed = (text: string): boolean => (native ? (text as unknown as WellFormed).isWellFormed!() : !LONE_SURROGATE.test(text));

/**
 * Refuses a key, prefix, cursor or value that is not well-formed Unicode text, and a key of a
 * length no store holds (checkKey): every get and delete passes its key here.
 */
export function checkText(store: string, what: 'key' | 'prefix' | 'cursor' | 'value', text: string): void {
  if (!isWellFormed(text)) throw new TypeError(`${store}: a ${what} must be well-formed Unicode text (it has a lone surrogate)`);
  if (what === 'key') checkKey(store, text);
}

/** The checks of one put or a putAll's writes beyond checkPutOptions and checkWrites: keys and values. */
export function checkStoreWrites(store: string, writes: readonly Write[]): void {
  for (const w of writes) {
    checkText(store, 'key', w.key);
    if (!isDelete(w)) checkText(store, 'value', w.value);
  }
}
