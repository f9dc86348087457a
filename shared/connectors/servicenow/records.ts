import { ConnectorError } from '../errors';
import type { TransportResponse } from '../types';

/**
 * Table API records as the API returns them with sysparm_display_value=false (the default): every
 * value a string, reference fields as `{ link, value }` (or "" when empty), timestamps
 * `YYYY-MM-DD HH:MM:SS` in UTC. Bodies are `{ "result": {...} }` for one record and
 * `{ "result": [...] }` for a listing
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html).
 */
export type FieldValue = string | { link?: string; value?: string; display_value?: string };
export type SnRecord = Record<string, FieldValue | undefined> & { sys_id: string };

/** The stored value of a field: a reference's sys_id, else the string itself. */
export function fieldValue(record: Record<string, unknown>, field: string): string | undefined {
  const v = record[field];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string') return (v as { value: string }).value;
  return undefined;
}

const isRecord = (v: unknown): v is SnRecord => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { sys_id?: unknown }).sys_id === 'string' && (v as { sys_id: string }).sys_id !== '';

const badResponse = (connector: string, res: TransportResponse, what: string) => {
  const path = new URL(res.url).pathname;
  return new ConnectorError('connector_bad_response', `${connector}: the answer to ${path} holds no ${what}; check that instanceUrl points at a ServiceNow instance`, { connector, path, vendorStatus: res.status });
};

/** `{ result: { sys_id, ... } }`. */
export function oneRecord(connector: string, res: TransportResponse): SnRecord {
  const result = (res.body as { result?: unknown } | undefined)?.result;
  if (!isRecord(result)) throw badResponse(connector, res, 'record');
  return result;
}

/** `{ result: [...] }`; entries without a sys_id (not requested in sysparm_fields) are refused, not guessed. */
export function manyRecords(connector: string, res: TransportResponse): SnRecord[] {
  const result = (res.body as { result?: unknown } | undefined)?.result;
  if (!Array.isArray(result) || !result.every(isRecord)) throw badResponse(connector, res, 'list of records');
  return result;
}

/** The value written in correlation_display, which the sync job filters on. */
export const CORRELATION_DISPLAY = 'secorch';
