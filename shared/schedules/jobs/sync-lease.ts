import { randomUUID } from 'node:crypto';
import type { StateStore } from '../../ports/store';

/**
 * One run at a time over state that several schedules share (servicenow-sync: the per-record
 * states of a tenant's destination). The scheduler keeps one schedule's runs apart
 * (shared/schedules/claim.ts), not two schedules due at the same tick: both would read a record's
 * last state before either recorded the new one, and both would report the change, each under its
 * own source and id, so nothing downstream could drop the repeat. Reporting first and recording
 * after is what makes a change survive a crash in between, so the runs themselves are kept apart:
 * a store item taken only if absent, with a TTL so that a run whose instance died holds it no
 * longer than that, renewed as the run goes on and deleted when it ends.
 */
export interface SyncLease {
  /** A fresh TTL; false when the lease lapsed and another run may hold it now (this one stops). */
  renew(): Promise<boolean>;
  /** Deletes the lease if it is still this run's. */
  release(): Promise<void>;
}

export async function takeSyncLease(store: StateStore, key: string, holder: string, ttlSeconds: number): Promise<SyncLease | undefined> {
  let version = randomUUID();
  if (!(await store.put(key, holder, { ifAbsent: true, ttlSeconds, newVersion: version }))) return undefined;
  return {
    async renew() {
      const next = randomUUID();
      if (!(await store.put(key, holder, { ifVersion: version, ttlSeconds, newVersion: next }))) return false;
      version = next;
      return true;
    },
    async release() {
      if ((await store.get(key))?.version === version) await store.delete(key);
    },
  };
}
