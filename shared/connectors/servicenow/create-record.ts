import type { Transport } from '../types';
import { path } from '../url';
import { oneRecord, type SnRecord } from './records';

/**
 * POST /api/now/table/{table}: inserts one record and answers 201 with it
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-POST).
 * A create, so the transport never repeats it after a 5xx or a timeout (only after a 429, which
 * the instance answers before acting); the caller searches by correlation_id before creating again.
 */
export async function createRecord(t: Transport, table: string, fields: Record<string, string>): Promise<SnRecord> {
  const res = await t.request({ method: 'POST', path: path`/api/now/table/${table}`, body: fields });
  return oneRecord(t.name, res);
}
