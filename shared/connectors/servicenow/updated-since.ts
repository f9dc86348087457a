import { ConnectorError } from '../errors';
import { DEFAULT_MAX_PAGES } from '../paginate/types';
import type { Transport } from '../types';
import { queryRecords } from './query-records';
import { CORRELATION_DISPLAY, fieldValue, type SnRecord } from './records';

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

/**
 * The next records after the cursor: at least `limit` of them while the listing holds that many
 * more, fewer only at its end, so a caller that stops at a short answer stops at the end and nowhere
 * else. Read ACLs filter each page after sysparm_limit cut it (query-records.ts), so a page can come
 * back short, or empty, with records behind it. A short page that holds records moves the keyset on
 * past its last one and asks again. An empty page names no record to move past, so its next page is
 * read as the instance links it (the offset advanced by the limit, not by the rows received); without
 * that, a run of hidden rows as long as a page returned nothing, the caller's cursor never moved and
 * every run read the same hidden page again. Offsets are used only across such a run: a record
 * updated in the moment between two of those requests can shift one row over a page boundary, the
 * risk the keyset avoids everywhere else.
 */
export async function updatedPage(t: Transport, table: string, cursor: SyncCursor | undefined, limit: number): Promise<SnRecord[]> {
  const rows: SnRecord[] = [];
  let after = cursor;
  for (let requests = 0; requests < MAX_REQUESTS;) {
    let moved = false;
    for await (const page of queryRecords(t, table, { query: updatedSinceQuery(after), fields: SYNC_FIELDS, limit, maxPages: MAX_REQUESTS - requests })) {
      requests++;
      rows.push(...page.items);
      if (rows.length >= limit || page.next === undefined) return rows;
      if (page.items.length > 0) {
        after = cursorAt(page.items.at(-1)!);
        // A record the keyset cannot continue from: the caller refuses it with its own error.
        if (after === undefined) return rows;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  if (rows.length > 0) return rows;
  throw new ConnectorError('connector_forbidden', `${t.name}: ${MAX_REQUESTS} pages in a row of ${table} records that read ACLs hide from the account; grant it read access to the records it made (correlation_display=${CORRELATION_DISPLAY})`, { connector: t.name });
}

/** A guard against a listing that never ends, as in ../paginate/types.ts. */
const MAX_REQUESTS = DEFAULT_MAX_PAGES;

function cursorAt(r: SnRecord): SyncCursor | undefined {
  const on = fieldValue(r, 'sys_updated_on');
  return isStamp(on) && SYS_ID.test(r.sys_id) ? { on, id: r.sys_id } : undefined;
}

/** The cursor moved back by `seconds` (and to the start of that second), to re-read late commits. */
export function lookBack(cursor: SyncCursor, seconds: number): SyncCursor {
  if (!STAMP.test(cursor.on) || seconds <= 0) return cursor;
  const at = Date.parse(`${cursor.on.replace(' ', 'T')}Z`) - seconds * 1000;
  return { on: new Date(at).toISOString().slice(0, 19).replace('T', ' '), id: '' };
}

export const isStamp = (v: unknown): v is string => typeof v === 'string' && STAMP.test(v);
const SYS_ID = /^[0-9a-f]{32}$/;

/**
 * What a listing reads: the instance (its origin) and the table. A cursor is a position in one
 * listing: carried over to another instance or table, it would skip every record there updated
 * before it until that record's next update.
 */
export const syncTarget = (instanceUrl: string, table: string) => `${new URL(instanceUrl).origin} table=${table}`;

/**
 * The stored form of a schedule's position: the cursor (none before the first record of a
 * listing), the target it is a position in (syncTarget; none in cursors stored before targets
 * were) and the `epoch` of the destination's states it was taken in (shared/schedules/jobs/
 * servicenow-sync-target.ts). `keyed` and `retired` are what cursors stored before the states'
 * target was shared by a tenant's schedules kept beside it (read on upgrade, never written);
 * `baseline` is also written while the epoch's first listing is under way, so a lost shared
 * record starts that listing again.
 */
export interface StoredCursor {
  cursor?: SyncCursor;
  target?: string;
  /** Unset in cursors stored before the epoch was recorded. */
  epoch?: string;
  /**
   * The per-record states are under keys of the target. Unset in cursors stored before they
   * were, including those that already named their target: their states are under the keys
   * without one.
   */
  keyed?: true;
  retired?: string[];
  baseline?: true;
}

/** A stored cursor, or undefined when it is not one the sync wrote (bad JSON, a bad edit). */
export function parseCursor(value: string): StoredCursor | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  const { on, id, target, epoch, keyed, retired, baseline } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (target !== undefined && typeof target !== 'string') return undefined;
  if (epoch !== undefined && !(typeof epoch === 'string' && epoch !== '')) return undefined;
  if ((keyed !== undefined && keyed !== true) || (baseline !== undefined && baseline !== true)) return undefined;
  if (retired !== undefined && !(Array.isArray(retired) && retired.every((p) => typeof p === 'string'))) return undefined;
  const at: Omit<StoredCursor, 'cursor'> = {
    ...(target === undefined ? {} : { target }),
    ...(epoch === undefined ? {} : { epoch }),
    ...(keyed ? { keyed } : {}),
    ...(retired === undefined ? {} : { retired: retired as string[] }),
    ...(baseline ? { baseline } : {}),
  };
  if (on === undefined && id === undefined) return target === undefined ? undefined : at;
  return isStamp(on) && typeof id === 'string' && (id === '' || SYS_ID.test(id)) ? { cursor: { on, id }, ...at } : undefined;
}
