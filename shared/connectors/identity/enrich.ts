import { type ApplyContext, applyObservations } from './apply';
import { idOfKey, parseRecord, userPrefix } from './snapshot';
import type { SnapshotRecord, UserObservation, UserSource } from './types';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The observation of what the enrichment says about a record, when it says something new. */
function changed(record: SnapshotRecord, fields: UserObservation['fields']): UserObservation | undefined {
  const diff = Object.entries(fields).filter(([k, v]) => v !== undefined && !same(record[k as keyof SnapshotRecord], v));
  return diff.length ? { id: record.id, fields: Object.fromEntries(diff) } : undefined;
}

/**
 * The end of a delta source's round when the source reads enrichments (MFA registration, admin
 * roles): a user whose own object did not change is absent from the delta, yet may have lost a
 * method or gained a role. Every active user of the snapshot is compared with the enrichment read
 * in this run; only users whose enrichment fields differ are applied (their events published,
 * their records saved). Inactive users are left as they are, as the full sources do. A record
 * that is unreadable is skipped with a warning: the enrichment alone cannot say whether the user
 * is active, and the record is stored again when the delta next reports the user. The position
 * is saved after each batch, so a run cut short resumes where it stopped.
 */
export async function enrichPass(source: UserSource, ctx: ApplyContext, stop: () => boolean): Promise<{ complete: boolean; events: number }> {
  const { store, logger } = ctx.deps;
  const { state } = ctx.position;
  const fieldsOf = await source.enrichment!();
  let events = 0;
  for (;;) {
    const page = await store.list(userPrefix(ctx.scope), { after: state.sweepAfter, limit: 500 });
    const records: SnapshotRecord[] = [];
    const unreadable: string[] = [];
    for (const item of page.items) {
      const id = idOfKey(ctx.scope, item.key);
      const record = id === undefined ? undefined : parseRecord(item.value, id);
      if (record) records.push(record);
      else unreadable.push(item.key);
    }
    if (unreadable.length > 0) logger.warn('identity sync: stored user records unreadable; left out of the enrichment pass', { provider: ctx.scope.provider, schedule: ctx.scope.schedule, keys: unreadable.slice(0, 10), count: unreadable.length });
    const observations = records.filter((r) => r.active).flatMap((r) => changed(r, fieldsOf(r.id)) ?? []);
    if (observations.length) events += await applyObservations(ctx, observations);
    state.sweepAfter = page.next;
    await ctx.position.save();
    if (page.next === undefined) return { complete: true, events };
    if (stop()) return { complete: false, events };
  }
}
