import { type ApplyContext, applyObservations } from './apply';
import { idOfKey, parseRecord, userPrefix } from './snapshot';
import type { UserObservation, UserSource } from './types';

/** Lookups at once: unseen users are few in a normal round (deactivations, deletions). */
const LOOKUP_CONCURRENCY = 8;

/**
 * The end of a full source's round: an active user the listing did not return is looked up one by
 * one, since a listing may omit users that still exist (Okta leaves out DEPROVISIONED users;
 * offset paging skips a user when earlier ones are deleted meanwhile). The lookup says what became
 * of the user (deprovisioned, deleted, or present after all). Inactive unseen users are left as
 * they are: nothing about them is reportable. A user whose record is unreadable is looked up too,
 * so that its record is stored again (without an event, apply.ts) even when the listing no longer
 * returns it. The position is saved after each batch.
 */
export async function sweep(source: UserSource, ctx: ApplyContext, stop: () => boolean): Promise<{ complete: boolean; events: number }> {
  const { store } = ctx.deps;
  const { state } = ctx.position;
  let events = 0;
  for (;;) {
    const page = await store.list(userPrefix(ctx.scope), { after: state.sweepAfter, limit: 500 });
    const unseen: string[] = [];
    for (const item of page.items) {
      const id = idOfKey(ctx.scope, item.key);
      if (id === undefined) continue;
      const record = parseRecord(item.value, id);
      if (!record || (record.round < ctx.round && record.active)) unseen.push(id);
    }
    for (let i = 0; i < unseen.length; i += LOOKUP_CONCURRENCY) {
      const found = await Promise.all(unseen.slice(i, i + LOOKUP_CONCURRENCY).map((id) => lookup(source, id)));
      events += await applyObservations(ctx, found);
    }
    state.sweepAfter = page.next;
    await ctx.position.save();
    if (page.next === undefined) return { complete: true, events };
    if (stop()) return { complete: false, events };
  }
}

const lookup = (source: UserSource, id: string): Promise<UserObservation> => (source.lookup ? source.lookup(id) : Promise.resolve({ id, fields: {}, removed: true }));
