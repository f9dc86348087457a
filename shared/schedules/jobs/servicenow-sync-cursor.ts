import { ConnectorError } from '../../connectors/errors';
import { fieldValue, type SnRecord } from '../../connectors/servicenow/records';
import { isStamp, type SyncCursor } from '../../connectors/servicenow/updated-since';

const SYS_ID = /^[0-9a-f]{32}$/;

/** Whether a stored cursor says its run stopped before the end of the listing (parseCursor leaves the flag out). */
export function stoppedEarly(value: string): boolean {
  try {
    return (JSON.parse(value) as { resume?: unknown } | null)?.resume === true;
  } catch {
    return false;
  }
}

/** Values that go into the next encoded query must be what the API documents, nothing else. */
export function cursorOf(connector: string, r: SnRecord): SyncCursor {
  const on = fieldValue(r, 'sys_updated_on');
  if (!isStamp(on) || !SYS_ID.test(r.sys_id)) {
    throw new ConnectorError('connector_bad_response', `${connector}: a record without a valid sys_updated_on or sys_id; the sync cannot continue past it`, { connector });
  }
  return { on, id: r.sys_id };
}
