import type { Transport } from '../types';
import { path } from '../url';
import { oneRecord, type SnRecord } from './records';

/**
 * GET /api/now/table/{table}/{sys_id}: one record, only the fields asked for
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-GET-id).
 * Answered 404 when the record is gone or an ACL hides it.
 */
export async function getRecord(t: Transport, table: string, sysId: string, fields: readonly string[]): Promise<SnRecord> {
  const res = await t.request({ path: path`/api/now/table/${table}/${sysId}`, query: { sysparm_fields: ['sys_id', ...fields].join(','), sysparm_exclude_reference_link: true } });
  return oneRecord(t.name, res);
}
