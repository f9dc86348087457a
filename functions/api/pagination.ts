import { errors } from '../../shared/errors';

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

/** `?cursor=`: the store key to continue after, which must lie under `prefix`. */
export function parseCursor(params: URLSearchParams, prefix: string): string | undefined {
  const raw = params.get('cursor');
  if (raw === null || raw === '') return undefined;
  const key = /^[A-Za-z0-9_-]{1,700}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  if (!key.startsWith(prefix) || key.length === prefix.length) throw invalidQuery('cursor', 'cursor is not one this API returned for this listing');
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

/** RFC 3339 date-times only (with a zone); Date.parse alone would take "1" or "March 7". */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/i;

/**
 * Each field within its range (RFC 3339 section 5.7, day within its month): Date.parse rolls
 * 2026-02-31 over into March and 24:00 into the next day, so a typo would move the window silently.
 */
function fieldsExist(m: RegExpExecArray): boolean {
  const [y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  return mo! >= 1 && mo! <= 12 && day.getUTCMonth() === mo! - 1 && day.getUTCDate() === d && h <= 23 && mi <= 59 && s <= 59 && oh <= 23 && om <= 59;
}

export function parseIso(raw: string): number | undefined {
  const m = ISO.exec(raw);
  if (!m || !fieldsExist(m)) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function pageOf<T>(items: T[], nextKey: string | undefined): Page<T> {
  return nextKey === undefined ? { items } : { items, next_cursor: encodeCursor(nextKey) };
}
