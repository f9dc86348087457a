import type { Transport } from '../types';
import { correlationId } from './correlation';
import { queryRecords } from './query-records';
import { fieldValue, type SnRecord } from './records';

/**
 * The record whose correlation_id is this tenant's finding's (correlation.ts): a match on a column
 * of the table itself (no text index involved), read from the primary database, so a record
 * created a moment ago is found (see query-records.ts). Of several, the oldest active one wins,
 * else the oldest: a finding reported open again after its record was closed gets a new record
 * (../tickets.ts), and the closed one, read-only, keeps the same correlation_id.
 *
 * The instance compares strings without regard to case ("GlideRecord queries are
 * case-insensitive", GlideFilter API reference), so `correlation_id=CVE-1:Pillow` also returns the
 * record of `CVE-1:pillow`. The candidates are therefore checked here for the exact key, a page of
 * them at a time.
 */
export const CORRELATION_FIELDS = ['sys_id', 'number', 'state', 'active', 'correlation_id', 'sys_created_on'] as const;
const CANDIDATES = 20;
const MAX_PAGES = 5;

export async function findByCorrelation(t: Transport, table: string, tenant: string, uid: string): Promise<SnRecord | undefined> {
  const key = correlationId(tenant, uid);
  const pages = queryRecords(t, table, { query: `correlation_id=${key}^ORDERBYsys_created_on`, fields: CORRELATION_FIELDS, limit: CANDIDATES, maxPages: MAX_PAGES });
  let oldest: SnRecord | undefined;
  for await (const page of pages) {
    for (const r of page.items) {
      if (fieldValue(r, 'correlation_id') !== key) continue;
      if (fieldValue(r, 'active') !== 'false') return r;
      oldest ??= r;
    }
  }
  return oldest;
}
