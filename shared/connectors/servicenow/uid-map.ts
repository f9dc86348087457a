import type { StateStore } from '../../ports/store';
import { correlationId, DEFAULT_TENANT, isHashedCorrelation, isTenantCorrelation } from './correlation';

/**
 * The finding behind a correlation_id (correlation.ts), for the sync job to name the finding and
 * its tenant in the events it emits. A bare uid is the default tenant's and needs no record; a
 * hashed key's finding is kept in the state store under the key: the uid alone for a default-tenant
 * `sha256:` key (as it always was), `{ tenant, uid }` for a `tenant-sha256:` key.
 */
export interface FindingRef {
  tenant: string;
  uid: string;
}

const key = (cid: string) => `servicenow:cid:${cid}`;

export async function rememberFinding(store: StateStore, tenant: string, uid: string): Promise<void> {
  const cid = correlationId(tenant, uid);
  if (isTenantCorrelation(cid)) await store.put(key(cid), JSON.stringify({ tenant, uid } satisfies FindingRef));
  else if (cid !== uid) await store.put(key(cid), uid);
}

/** The finding of a record's correlation_id; undefined for a hash nobody here recorded. */
export async function findingOfCorrelation(store: StateStore, cid: string): Promise<FindingRef | undefined> {
  if (cid === '') return undefined;
  if (!isHashedCorrelation(cid) && !isTenantCorrelation(cid)) return { tenant: DEFAULT_TENANT, uid: cid };
  const held = (await store.get(key(cid)))?.value;
  if (held === undefined) return undefined;
  if (isHashedCorrelation(cid)) return { tenant: DEFAULT_TENANT, uid: held };
  return parseFinding(held);
}

function parseFinding(value: string): FindingRef | undefined {
  try {
    const { tenant, uid } = JSON.parse(value) as Partial<FindingRef>;
    return typeof tenant === 'string' && typeof uid === 'string' ? { tenant, uid } : undefined;
  } catch {
    return undefined;
  }
}
