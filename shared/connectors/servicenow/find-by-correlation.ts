import type { Transport } from '../types';
import { correlationId } from './correlation';
import { queryRecords } from './query-records';
import { fieldValue, type SnRecord } from './records';

/**
 * The record whose correlation_id is this tenant's finding's (correlation.ts): a match on a column
 * of the table itself (no text index involved), read from the primary database, so a record
 * created a moment ago is found (see query-records.ts). Should another tool have made several, the
 * oldest wins.
 *
 * The instance compares strings without regard to case ("GlideRecord queries are
 * case-insensitive", GlideFilter API reference), so `correlation_id=CVE-1:Pillow` also returns the
 * record of `CVE-1:pillow`. The candidates are therefore checked here for the exact key, a page of
 * them at a time.
 */
export const CORRELATION_FIELDS = ['sys_id', 'number', 'state', 'correlation_id', 'sys_created_on'] as const;
const CANDIDATES = 20;
const MAX_PAGES = 5;

export async function findByCorrelation(t: Transport, table: string, tenant: string, uid: string): Promise<SnRecord | undefined> {
  const key = correlationId(tenant, uid);
  const pages = queryRecords(t, table, { query: `correlation_id=${key}^ORDERBYsys_created_on`, fields: CORRELATION_FIELDS, limit: CANDIDATES, maxPages: MAX_PAGES });
  for await (const page of pages) {
    const exact = page.items.find((r) => fieldValue(r, 'correlation_id') === key);
    if (exact) return exact;
  }
  return undefined;
}
