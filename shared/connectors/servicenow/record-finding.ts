import type { StateStore } from '../../ports/store';
import { ticketRecordKey } from '../tickets';
import { isTenantCorrelation } from './correlation';
import { fieldValue, type SnRecord } from './records';
import { findingOfCorrelation } from './uid-map';

/**
 * Whose finding a record carries, as a sync schedule of one tenant sees it. Every tenant's
 * records carry correlation_display=secorch, so a schedule lists them all and reports only its
 * own tenant's: a `tenant-sha256:` key names its tenant (uid-map.ts), a bare uid or `sha256:`
 * key is the default tenant's.
 *
 * Keys were not tenant-scoped before, so a record another tenant made then carries a bare uid
 * too. It stays that tenant's: its ticket record in the state store (../tickets.ts, the one that
 * keeps later events going to the same record) names the record's sys_id.
 */
export type RecordFinding = { kind: 'own'; uid: string } | { kind: 'other' } | { kind: 'unknown' };

export interface SyncScope {
  /** The `servicenow` destination that made the records. */
  destination: string;
  tenant: string;
}

export async function recordFinding(store: StateStore, scope: SyncScope, r: SnRecord): Promise<RecordFinding> {
  const cid = fieldValue(r, 'correlation_id') ?? '';
  const finding = await findingOfCorrelation(store, cid);
  if (finding === undefined) return { kind: 'unknown' };
  if (finding.tenant === scope.tenant) return { kind: 'own', uid: finding.uid };
  if (!isTenantCorrelation(cid) && (await ticketRecordNames(store, scope, finding.uid, r.sys_id))) return { kind: 'own', uid: finding.uid };
  return { kind: 'other' };
}

/** The ticket record of ../tickets.ts holds this record as the finding's ticket. */
async function ticketRecordNames(store: StateStore, scope: SyncScope, uid: string, sysId: string): Promise<boolean> {
  const held = await store.get(ticketRecordKey({ destination: scope.destination, tenant: scope.tenant, uid }));
  if (held === undefined) return false;
  try {
    const record = JSON.parse(held.value) as { state?: unknown; ref?: { id?: unknown } };
    return record.state === 'created' && record.ref?.id === sysId;
  } catch {
    return false;
  }
}
