import { type ApplyContext, applyObservations } from './apply';
import { saveState, type SyncState, userPrefix } from './snapshot';
import type { SnapshotRecord, UserObservation, UserSource } from './types';

/** Lookups at once: unseen users are few in a normal round (deactivations, deletions). */
const LOOKUP_CONCURRENCY = 8;

/**
 * The end of a full source's round: an active user the listing did not return is looked up one by
 * one, since a listing may omit users that still exist (Okta leaves out DEPROVISIONED users;
 * offset paging skips a user when earlier ones are deleted meanwhile). The lookup says what became
 * of the user (deprovisioned, deleted, or present after all). Inactive unseen users are left as
 * they are: nothing about them is reportable. The position is saved after each batch.
 */
export async function sweep(source: UserSource, ctx: ApplyContext, state: SyncState, stop: () => boolean): Promise<{ complete: boolean; events: number }> {
  const { store } = ctx.deps;
  let events = 0;
  for (;;) {
    const page = await store.list(userPrefix(ctx.scope), { after: state.sweepAfter, limit: 500 });
    const unseen = page.items.map((i) => JSON.parse(i.value) as SnapshotRecord).filter((r) => r.round < ctx.round && r.active);
    for (let i = 0; i < unseen.length; i += LOOKUP_CONCURRENCY) {
      const found = await Promise.all(unseen.slice(i, i + LOOKUP_CONCURRENCY).map((r) => lookup(source, r.id)));
      events += await applyObservations(ctx, found);
    }
    state.sweepAfter = page.next;
    await saveState(store, ctx.scope, state);
    if (page.next === undefined) return { complete: true, events };
    if (stop()) return { complete: false, events };
  }
}

const lookup = (source: UserSource, id: string): Promise<UserObservation> => (source.lookup ? source.lookup(id) : Promise.resolve({ id, fields: {}, removed: true }));
