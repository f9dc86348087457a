import type { Transport } from '../types';
import { queryRecords } from './query-records';
import { CORRELATION_DISPLAY, type SnRecord } from './records';

/**
 * The records secorch made (correlation_display=secorch), in (sys_updated_on, sys_id) order, a page
 * after a cursor. Pages are keyset queries ("after this record"), not offsets or Link URLs: a
 * record updated while a listing runs moves to its end, which shifts every later offset by one
 * and skips a record at a page boundary; a keyset is unaffected. sys_id breaks ties between
 * records updated within the same second, which sys_updated_on cannot tell apart. `^NQ` joins
 * two queries with OR
 * (https://www.servicenow.com/docs/bundle/latest/page/use/common-ui-elements/reference/r_OpAvailableFiltersQueries.html).
 * Timestamps are compared as the database (UTC) values the API returns. A cursor without a sys_id
 * (a look-back) asks for its whole second with `>=`: a term with an empty value is one the
 * instance may read as invalid, and it drops invalid terms, or with
 * glide.invalid_query.returns_no_rows answers no rows at all
 * (https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideQueryConditionScopedAPI.html).
 */
export interface SyncCursor {
  /** sys_updated_on of the last record handled, `YYYY-MM-DD HH:MM:SS`. */
  on: string;
  /** Its sys_id; '' to include every record updated in that second. */
  id: string;
}

export const SYNC_FIELDS = ['sys_id', 'number', 'state', 'correlation_id', 'sys_updated_on'] as const;
const ORDER = '^ORDERBYsys_updated_on^ORDERBYsys_id';
const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

export function updatedSinceQuery(cursor?: SyncCursor): string {
  const base = `correlation_display=${CORRELATION_DISPLAY}`;
  if (!cursor) return `${base}${ORDER}`;
  if (cursor.id === '') return `${base}^sys_updated_on>=${cursor.on}${ORDER}`;
  return `${base}^sys_updated_on>${cursor.on}^NQ${base}^sys_updated_on=${cursor.on}^sys_id>${cursor.id}${ORDER}`;
}

export async function updatedPage(t: Transport, table: string, cursor: SyncCursor | undefined, limit: number): Promise<SnRecord[]> {
  for await (const page of queryRecords(t, table, { query: updatedSinceQuery(cursor), fields: SYNC_FIELDS, limit, maxPages: 1 })) return page.items;
  return [];
}

/** The cursor moved back by `seconds` (and to the start of that second), to re-read late commits. */
export function lookBack(cursor: SyncCursor, seconds: number): SyncCursor {
  if (!STAMP.test(cursor.on) || seconds <= 0) return cursor;
  const at = Date.parse(`${cursor.on.replace(' ', 'T')}Z`) - seconds * 1000;
  return { on: new Date(at).toISOString().slice(0, 19).replace('T', ' '), id: '' };
}

export const isStamp = (v: unknown): v is string => typeof v === 'string' && STAMP.test(v);
const SYS_ID = /^[0-9a-f]{32}$/;

/** A stored cursor, or undefined when it is not one the sync wrote (bad JSON, a bad edit). */
export function parseCursor(value: string): SyncCursor | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  const { on, id } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  return isStamp(on) && typeof id === 'string' && (id === '' || SYS_ID.test(id)) ? { on, id } : undefined;
}
