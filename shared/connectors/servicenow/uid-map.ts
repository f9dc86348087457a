import type { StateStore } from '../../ports/store';
import { correlationId, isHashedCorrelation } from './records';

/**
 * A finding uid too long (or too odd) for correlation_id is stored there as its hash
 * (records.ts); the uid itself is kept in the state store under that hash, so the sync job can
 * name the finding in the events it emits.
 */
const key = (cid: string) => `servicenow:cid:${cid}`;

export async function rememberUid(store: StateStore, uid: string): Promise<void> {
  const cid = correlationId(uid);
  if (cid !== uid) await store.put(key(cid), uid);
}

/** The finding uid of a record's correlation_id; undefined for a hash nobody here recorded. */
export async function uidOfCorrelation(store: StateStore, cid: string): Promise<string | undefined> {
  if (!isHashedCorrelation(cid)) return cid === '' ? undefined : cid;
  return (await store.get(key(cid)))?.value;
}
