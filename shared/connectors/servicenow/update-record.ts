import type { Transport } from '../types';
import { path } from '../url';
import { oneRecord, type SnRecord } from './records';

/**
 * Updates the given fields of one record; the others stay as they are. The Table API documents
 * both PUT and PATCH on /api/now/table/{table}/{sys_id} with the same meaning ("updates the
 * specified record with the name-value pairs included in the request body",
 * https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-PUT);
 * PUT is used because it is the one the published OpenAPI description of the Table API lists.
 * Setting fields is repeatable; journal fields (work_notes, comments) append, so a call carrying
 * one passes `idempotent: false` and is not repeated after a 5xx or a timeout.
 */
export async function updateRecord(t: Transport, table: string, sysId: string, fields: Record<string, string>, opts: { idempotent?: boolean } = {}): Promise<SnRecord> {
  const res = await t.request({ method: 'PUT', path: path`/api/now/table/${table}/${sysId}`, body: fields, idempotent: opts.idempotent ?? true });
  return oneRecord(t.name, res);
}
