import type { Deps } from '../../ports';
import type { Write } from '../../ports/store';
import { sendWakeUp } from '../../ports/wakeups';
import { recordWrites } from '../attempt-log';
import { type BreakerState, heldUntil } from '../breaker';
import { isoTime } from '../iso-time';
import { keys, parseDue } from '../keys';
import type { Delivery } from '../model';
import type { Due, DueOutcome } from './attempt';
import { restartBreaker } from './breaker-store';
import { type DeliverySettings, deliverySettings } from './deps';
import { MAX_AGE_MS } from './sweep-cache';

/**
 * The deliveries an open breaker holds back wait for its probe time (up to an hour), all at that
 * one instant and without a wake-up (owned.ts, defer). When the subscription's breaker is reset
 * because its endpoint changed or it was enabled again, the new endpoint has not failed, so those
 * of the subscription are made due now: they are found under their one due instant
 * (`keys.dueAt`), not by a scan of the delivery log. The API moves the first UNPARK_IN_REQUEST
 * itself and leaves the rest to a task of the engine: a due entry with the id
 * `unpark:{subscriptionId}:{parked at}`, which the sweep or a wake-up hands to processDue like an
 * attempt, and which moves UNPARK_PER_PASS at a time, due again at once until none are left.
 * Deliveries waiting out an ordinary retry delay keep their time: it is not the breaker's.
 */
export const UNPARK_IN_REQUEST = 50;
export const UNPARK_PER_PASS = 200;
/**
 * When the task first runs. A sweep keeps the breaker it read for up to MAX_AGE_MS, so one that
 * read it open just before the reset can park a delivery the request had moved once more; by
 * then every sweep has read the breaker again, and the task moves what was parked meanwhile.
 */
export const SECOND_LOOK_MS = 2 * MAX_AGE_MS;

const TASK = /^unpark:([A-Za-z0-9_.-]{1,128}):(\d{1,16})$/;
export const isUnparkTask = (id: string): boolean => id.startsWith('unpark:');
export const unparkTaskId = (subscriptionId: string, parkedAt: number): string => `unpark:${subscriptionId}:${parkedAt}`;

type Leased = Delivery & { lease?: { until: number } };

/**
 * Starts the subscription's breaker again, closed (restartBreaker), and makes the deliveries it
 * held back due now (the first UNPARK_IN_REQUEST; the task does the rest, SECOND_LOOK_MS later).
 * Answers how many it moved.
 * The tasks are written before anything is moved, so a request that fails part-way (a retry of
 * the same change would find nothing to reset) still leaves the rest to the engine.
 */
export async function resetBreaker(deps: Deps, tenant: string, subscriptionId: string): Promise<number> {
  const item = await deps.store.get(keys.breaker(tenant, subscriptionId));
  const { breaker } = deliverySettings(deps);
  const now = deps.clock.now();
  const parkedAt = item ? heldUntil(JSON.parse(item.value) as BreakerState, now, breaker) : [];
  await writeTasks(deps, tenant, subscriptionId, parkedAt, now);
  // Closed before any is moved: a delivery moved while it still said open would be held back again.
  const replaced = await restartBreaker(deps, tenant, subscriptionId, breaker);
  // Another worker may have changed the breaker since it was read (opened it again after a failed
  // probe, up to an hour): the deliveries it held back for that are the new endpoint's too.
  const later = replaced ? heldUntil(replaced, deps.clock.now(), breaker).filter((at) => !parkedAt.includes(at)) : [];
  await writeTasks(deps, tenant, subscriptionId, later, deps.clock.now());
  let moved = 0;
  for (const at of [...parkedAt, ...later]) moved += (await moveParked(deps, tenant, subscriptionId, at, UNPARK_IN_REQUEST)).moved;
  return moved;
}

/** The engine's tasks for the deliveries parked at each instant, SECOND_LOOK_MS from `now`. */
async function writeTasks(deps: Deps, tenant: string, subscriptionId: string, parkedAt: readonly number[], now: number): Promise<void> {
  const { retentionSeconds } = deliverySettings(deps);
  for (const at of parkedAt) {
    const task = { at: now + SECOND_LOOK_MS, tenant, id: unparkTaskId(subscriptionId, at) };
    await deps.store.put(keys.due(task.at, tenant, task.id), '{}', { ttlSeconds: retentionSeconds });
    await sendWakeUp(deps, task);
  }
}

/** Makes up to `limit` of the subscription's deliveries parked at `parkedAt` due now, from `after` on. */
export async function moveParked(
  deps: Deps, tenant: string, subscriptionId: string, parkedAt: number, limit: number, after?: string,
): Promise<{ moved: number; next?: string }> {
  const settings = deliverySettings(deps);
  const page = await deps.store.list(keys.dueAt(parkedAt, tenant), { limit, after });
  let moved = 0;
  for (const item of page.items) {
    const due = parseDue(item.key);
    if (due && !isUnparkTask(due.id) && (await moveOne(deps, due, subscriptionId, settings))) moved += 1;
  }
  return { moved, next: page.next };
}

async function moveOne(deps: Deps, due: Due, subscriptionId: string, { retentionSeconds: ttlSeconds, responseTtlSeconds }: DeliverySettings): Promise<boolean> {
  const key = keys.delivery(due.tenant, due.id);
  const item = await deps.store.get(key);
  if (!item) return false;
  const record = JSON.parse(item.value) as Leased;
  const now = deps.clock.now();
  // Left alone: another subscription's delivery parked at the same instant, one that no longer
  // waits there, one a worker holds now (its outcome decides), and one due already.
  if (record.subscriptionId !== subscriptionId || record.status !== 'pending' || record.nextAttemptAt === undefined) return false;
  if (Date.parse(record.nextAttemptAt) !== due.at || due.at <= now || (record.lease && record.lease.until > now)) return false;
  const { lease: _lease, ...rest } = record;
  const at = isoTime(now);
  const ok = await deps.store.putAll([
    ...recordWrites(key, { ...rest, nextAttemptAt: at, updatedAt: at }, { ifVersion: item.version, ttlSeconds }, responseTtlSeconds),
    { key: keys.due(now, due.tenant, due.id), value: '', opts: { ttlSeconds } },
    { key: keys.due(due.at, due.tenant, due.id), delete: true },
  ]);
  if (ok) await sendWakeUp(deps, { at: now, tenant: due.tenant, id: due.id });
  return ok;
}

/**
 * One pass of an unpark task (processDue hands it over). 'deferred' when it moved deliveries or
 * goes on (due again now, from where it stopped), 'stale' when it found nothing left to do.
 */
export async function runUnparkTask(deps: Deps, due: Due): Promise<DueOutcome> {
  const dueKey = keys.due(due.at, due.tenant, due.id);
  const task = TASK.exec(due.id);
  const item = task ? await deps.store.get(dueKey) : undefined;
  if (!task || !item) {
    await deps.store.delete(dueKey);
    return 'stale';
  }
  const subscriptionId = task[1]!;
  const parkedAt = Number(task[2]);
  const after = cursorOf(item.value, keys.dueAt(parkedAt, due.tenant));
  const { moved, next } = await moveParked(deps, due.tenant, subscriptionId, parkedAt, UNPARK_PER_PASS, after);
  if (next === undefined) {
    await deps.store.delete(dueKey);
    return moved > 0 ? 'deferred' : 'stale';
  }
  const now = deps.clock.now();
  const writes: Write[] = [{ key: keys.due(now, due.tenant, due.id), value: JSON.stringify({ after: next }), opts: { ttlSeconds: deliverySettings(deps).retentionSeconds } }];
  if (keys.due(now, due.tenant, due.id) !== dueKey) writes.push({ key: dueKey, delete: true });
  await deps.store.putAll(writes);
  await sendWakeUp(deps, { at: now, tenant: due.tenant, id: due.id });
  return 'deferred';
}

/** Where the last pass stopped: a key under the task's own prefix, else the start. */
function cursorOf(value: string, prefix: string): string | undefined {
  try {
    const after = (JSON.parse(value) as { after?: unknown }).after;
    return typeof after === 'string' && after.startsWith(prefix) ? after : undefined;
  } catch {
    return undefined;
  }
}
