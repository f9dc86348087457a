import type { CloudEvent } from '../../events/cloudevent';
import type { EventBus } from '../../ports/bus';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type { StateStore } from '../../ports/store';
import { changesOf, differs, observe } from './changes';
import type { Change } from './changes';
import type { SyncScope } from './events';
import type { Position } from './position';
import { loadRecords, saveRecords } from './snapshot';
import type { IdentityUser, SnapshotRecord, UserObservation } from './types';

export interface ApplyContext {
  scope: SyncScope;
  /** The round in progress: records seen now carry it. */
  round: number;
  /** The run's position: every write goes through it (position.ts). */
  position: Position;
  deps: { store: StateStore; bus: EventBus; clock: Clock; logger: Logger };
  event: (scope: SyncScope, before: SnapshotRecord | undefined, after: SnapshotRecord, change: Change, now: number) => CloudEvent;
}

/** Publishes at most this many events at once: a cloud bus answers in milliseconds, not microseconds. */
const PUBLISH_CONCURRENCY = 16;

/** Later observations of a user within one page extend earlier ones (a delta may repeat a user). */
function fold(observations: readonly UserObservation[]): UserObservation[] {
  const byId = new Map<string, UserObservation>();
  for (const o of observations) {
    const seen = byId.get(o.id);
    byId.set(o.id, seen && !o.removed && !seen.removed ? { id: o.id, fields: { ...seen.fields, ...o.fields } } : o);
  }
  return [...byId.values()];
}

/**
 * Compares observations with the snapshot, publishes the change events, then saves the records.
 * Events go out before the records are saved: a crash in between repeats the events (same ids)
 * rather than losing them. Before publishing, the position is written (conditionally, as every
 * write): a run another run has overtaken stops there, before publishing what a stale page says.
 *
 * A user whose stored record is unreadable (a truncated write, a manual edit, an older layout) is
 * known to the snapshot in a state nobody can tell: it is stored again as the source shows it now,
 * with no event. `created` would be false (the user is not new) and so could any other change, and
 * a snapshot written by an older layout would otherwise report every user at once. Its version
 * restarts at the clock's milliseconds, above any version the lost record can have had, so later
 * change events cannot take the id of an event published before the loss (consumers deduplicate
 * on ids and would drop the later one). Returns the number of events published.
 */
export async function applyObservations(ctx: ApplyContext, observations: readonly UserObservation[]): Promise<number> {
  const { scope, round, deps } = ctx;
  const folded = fold(observations);
  const { records: before, unreadable } = await loadRecords(deps.store, scope, folded.map((o) => o.id));
  const now = deps.clock.now();
  const records: SnapshotRecord[] = [];
  const events: CloudEvent[] = [];
  for (const o of folded) {
    const prev = before.get(o.id);
    if (unreadable.has(o.id)) {
      records.push({ ...observe(undefined, o), v: now, round });
      continue;
    }
    // A removal of a user this snapshot never held is nothing to report.
    if (o.removed && !prev) continue;
    const user: IdentityUser = observe(prev, o);
    const changed = !prev || differs(prev, user);
    const record: SnapshotRecord = { ...user, v: prev ? prev.v + (changed ? 1 : 0) : 1, round };
    for (const change of changesOf(prev, user)) events.push(ctx.event(scope, prev, record, change, now));
    if (changed || prev.round !== round) records.push(record);
  }
  if (unreadable.size > 0) {
    deps.logger.warn('identity sync: stored user records unreadable; stored again as the source shows them, without events', { provider: scope.provider, schedule: scope.schedule, users: unreadable.size });
  }
  if (events.length > 0) await ctx.position.save();
  for (let i = 0; i < events.length; i += PUBLISH_CONCURRENCY) {
    await Promise.all(events.slice(i, i + PUBLISH_CONCURRENCY).map((e) => deps.bus.publish(e)));
  }
  await saveRecords(ctx.position, scope, records);
  return events.length;
}
