import type { CloudEvent } from '../../events/cloudevent';
import { stableEventId } from '../../events/ids';
import { fieldValue, type SnRecord } from '../../connectors/servicenow/records';
import { isStamp } from '../../connectors/servicenow/updated-since';
import type { Deps } from '../../ports';
import { recordFinding } from '../../connectors/servicenow/record-finding';
import type { JobContext } from './types';

export const TICKET_STATUS_CHANGED = 'secorch.ticket.status_changed';
/**
 * Incident state labels (choices of incident.state in the base system), for readable events. A
 * Map: the state is the instance's answer, which an object would answer for `constructor` or
 * `__proto__` with Object.prototype's members.
 */
const INCIDENT_STATES: ReadonlyMap<string, string> = new Map([['1', 'New'], ['2', 'In Progress'], ['3', 'On Hold'], ['6', 'Resolved'], ['7', 'Closed'], ['8', 'Canceled']]);

/** The `secorch.ticket.status_changed` event of one record's change of state, its id stable per (record, update, state). */
export function statusChanged(r: SnRecord, uid: string, from: string | undefined, to: string, table: string, ctx: JobContext): CloudEvent {
  const updated = fieldValue(r, 'sys_updated_on') ?? '';
  const label = (s: string | undefined) => (table === 'incident' && s !== undefined ? INCIDENT_STATES.get(s) : undefined);
  return {
    specversion: '1.0',
    id: stableEventId('servicenow-sync', ctx.tenant, ctx.schedule, r.sys_id, updated, to),
    source: `//secorch/schedules/${ctx.schedule}`,
    type: TICKET_STATUS_CHANGED,
    subject: uid,
    ...(isStamp(updated) ? { time: `${updated.replace(' ', 'T')}Z` } : {}),
    datacontenttype: 'application/json',
    tenant: ctx.tenant,
    origin: `schedule:${ctx.schedule}`,
    data: {
      finding_uid: uid, system: 'servicenow', table, sys_id: r.sys_id, number: fieldValue(r, 'number'),
      from: from ?? null, to, from_label: label(from) ?? null, to_label: label(to) ?? null,
    },
  };
}

/** Where the states of the target read are kept; `baseline`: the first listing of a new target. */
export interface RecordScope {
  prefix: string;
  baseline: boolean;
  /** Whether the states are still those of the run's epoch, read again (which may end `baseline`). */
  current(): Promise<boolean>;
}

/**
 * One record read: compared with the last state seen for it, recorded, and reported when it changed
 * (published before the state is recorded, so a crash in between reports it again, same id).
 */
export async function observe(r: SnRecord, at: { destination: string; table: string }, ctx: JobContext, deps: Deps, scope: RecordScope): Promise<'emitted' | 'same' | 'unknown' | 'other' | 'moved'> {
  const key = `${scope.prefix}${r.sys_id}`;
  const to = fieldValue(r, 'state') ?? '';
  const from = (await deps.store.get(key))?.value;
  if (from === to) return 'same';
  // First sight of a record still in its initial state (New), or of any record in the first
  // listing of a new target: the baseline, not a change.
  if (from === undefined && (to === '1' || scope.baseline)) {
    await deps.store.put(key, to);
    return 'same';
  }
  const finding = await recordFinding(deps.store, { destination: at.destination, tenant: ctx.tenant }, r);
  if (finding.kind === 'unknown') {
    deps.logger.warn('servicenow sync: a record with no finding uid known here', { schedule: ctx.schedule, sysId: r.sys_id });
    await deps.store.put(key, to);
    return 'unknown';
  }
  // Another tenant's finding: its own schedule reports it; this one only remembers the state.
  if (finding.kind === 'other') {
    await deps.store.put(key, to);
    return 'other';
  }
  // No state: it may have been deleted since this run began, by another that moved the states
  // away. Deletion follows the move, so the epoch still current after the read means it was not.
  if (from === undefined && !(await scope.current())) return 'moved';
  await deps.bus.publish(statusChanged(r, finding.uid, from, to, at.table, ctx));
  await deps.store.put(key, to);
  return 'emitted';
}
