import type { Transport } from '../types';
import { correlationId } from './correlation';
import { queryRecords } from './query-records';
import type { SnRecord } from './records';

/**
 * The record whose correlation_id is this tenant's finding's (correlation.ts): an exact match on a
 * column of the table itself (no text index involved), read from the primary database, so a record
 * created a moment ago is found (see query-records.ts). Should another tool have made several, the
 * oldest wins.
 */
export const CORRELATION_FIELDS = ['sys_id', 'number', 'state', 'correlation_id', 'sys_created_on'] as const;

export async function findByCorrelation(t: Transport, table: string, tenant: string, uid: string): Promise<SnRecord | undefined> {
  const pages = queryRecords(t, table, { query: `correlation_id=${correlationId(tenant, uid)}^ORDERBYsys_created_on`, fields: CORRELATION_FIELDS, limit: 1, maxPages: 1 });
  for await (const page of pages) return page.items[0];
  return undefined;
}
