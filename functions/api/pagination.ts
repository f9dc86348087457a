import { errors } from '../../shared/errors';
import { MAX_KEY_BYTES } from '../../shared/ports/store';
import { isRfc3339 } from '../../shared/events/spec-checks';

/**
 * Cursor pagination over state-store prefix scans. A cursor is the base64url of the last store
 * key the previous page covered: opaque to clients, stateless for us, and stable while records
 * come and go (the next page starts strictly after that key). A cursor is only accepted for the
 * prefix it was made for, so a crafted one cannot move a scan into another tenant's keys.
 */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export const invalidQuery = (parameter: string, message: string) =>
  errors.badRequest('invalid_query', message, { parameter });

/** `?limit=`: an integer 1..100, default 20. */
export function parseLimit(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw invalidQuery('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

export const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/**
 * `?cursor=`: the store key to continue after, which must lie under `prefix`. Only a cursor this
 * API could have made is taken: the exact encoding of a key (bytes that are not UTF-8 would
 * otherwise decode to U+FFFD, three bytes each) no longer than any store key, so a forged one
 * is 400 here rather than a key the store refuses (DynamoDB's sort key holds 1,024 bytes).
 */
export function parseCursor(params: URLSearchParams, prefix: string): string | undefined {
  const raw = params.get('cursor');
  if (raw === null || raw === '') return undefined;
  const key = /^[A-Za-z0-9_-]{1,700}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  const ours = encodeCursor(key) === raw && Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES;
  if (!ours || !key.startsWith(prefix) || key.length === prefix.length) throw invalidQuery('cursor', 'cursor is not one this API returned for this listing');
  return key;
}

/** An ISO 8601 date-time query parameter (`since`, `until`) as epoch ms. */
export function parseTime(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = parseIso(raw);
  if (ms === undefined) throw invalidQuery(name, `${name} must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z`);
  return ms;
}

/** A date alone is its midnight UTC; a time without seconds has :00. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NO_SECONDS = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2})([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 date-times only (with a zone), or a date; Date.parse alone would take "1" or
 * "March 7", and roll 2026-02-31 over into March or 24:00 into the next day, moving the window
 * silently. isRfc3339 checks each field within its range, the day within its month.
 */
export function parseIso(raw: string): number | undefined {
  const full = DATE_ONLY.test(raw) ? `${raw}T00:00:00Z` : raw.replace(NO_SECONDS, '$1:00$2');
  if (!isRfc3339(full)) return undefined;
  const ms = Date.parse(full);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function pageOf<T>(items: T[], nextKey: string | undefined): Page<T> {
  return nextKey === undefined ? { items } : { items, next_cursor: encodeCursor(nextKey) };
}
