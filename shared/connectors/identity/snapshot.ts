import { AppError } from '../../errors';
import { MAX_BATCH_WRITES, type StateStore } from '../../ports/store';
import type { SyncScope } from './events';
import type { SnapshotRecord } from './types';

/**
 * Where identity sync keeps its state in deps.store: one record per user under
 * `idsync:{tenant}:{schedule}:u:{user id}` and the position of the current round under
 * `idsync:{tenant}:{schedule}:state`. User ids are URI-encoded, so `:` in them cannot collide.
 */
export interface SyncState {
  /** Rounds completed; records seen in this round carry `round === state.round + 1`. */
  round: number;
  phase: 'list' | 'sweep' | 'enrich';
  /** The next page of the current round's listing, persisted after each page. */
  next?: string;
  /** Graph: the delta link that starts the next round. */
  deltaLink?: string;
  /** Sweep or enrichment position (a store key), persisted after each batch. */
  sweepAfter?: string;
  /** Runs in a row whose listing, resumed at `next`, yielded no page before the deadline. */
  stalls?: number;
}

const prefix = (s: SyncScope) => `idsync:${s.tenant}:${s.schedule}:`;
export const userPrefix = (s: SyncScope) => `${prefix(s)}u:`;
const userKey = (s: SyncScope, id: string) => `${userPrefix(s)}${encodeURIComponent(id)}`;
const stateKey = (s: SyncScope) => `${prefix(s)}state`;

/** Parallel reads per batch: enough to hide store latency, few enough not to trip its limits. */
const READ_CONCURRENCY = 25;

export async function loadState(store: StateStore, s: SyncScope): Promise<SyncState> {
  const item = await store.get(stateKey(s));
  return item ? (JSON.parse(item.value) as SyncState) : { round: 0, phase: 'list' };
}

export async function saveState(store: StateStore, s: SyncScope, state: SyncState): Promise<void> {
  await store.put(stateKey(s), JSON.stringify(state));
}

export async function loadRecords(store: StateStore, s: SyncScope, ids: readonly string[]): Promise<Map<string, SnapshotRecord>> {
  const found = new Map<string, SnapshotRecord>();
  for (let i = 0; i < ids.length; i += READ_CONCURRENCY) {
    const batch = ids.slice(i, i + READ_CONCURRENCY);
    const items = await Promise.all(batch.map((id) => store.get(userKey(s, id))));
    items.forEach((item, j) => item && found.set(batch[j]!, JSON.parse(item.value) as SnapshotRecord));
  }
  return found;
}

/** Writes records in atomic batches of at most 25 (the store's putAll limit). */
export async function saveRecords(store: StateStore, s: SyncScope, records: readonly SnapshotRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += MAX_BATCH_WRITES) {
    const writes = records.slice(i, i + MAX_BATCH_WRITES).map((r) => ({ key: userKey(s, r.id), value: JSON.stringify(r) }));
    if (!(await store.putAll(writes))) throw new AppError('identity_sync_store_failed', 'Identity sync: the state store refused a snapshot write', { status: 503, retryable: true });
  }
}
