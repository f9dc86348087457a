import type { CloudEvent } from '../../events/cloudevent';
import { tenantOf } from '../../events/tenant';
import { isoTime } from '../iso-time';
import { eventRef, keys, sortableId } from '../keys';
import type { Delivery, Subscription } from '../model';
import type { Deps } from '../../ports';
import { sendWakeUp } from '../../ports/wakeups';
import { type Filter, FilterBudgetExceededError, matchesOrThrow } from '../../routing/filter';
import { deliverySettings } from './deps';
import { isAbout } from './ops-events';

/** Every subscription of a tenant (a few pages at most; subscriptions are few per tenant). */
export async function subscriptionsOf(deps: Deps, tenant: string): Promise<Subscription[]> {
  const out: Subscription[] = [];
  let after: string | undefined;
  do {
    const page = await deps.store.list(keys.subscriptions(tenant), { limit: 1000, after });
    out.push(...page.items.map((i) => JSON.parse(i.value) as Subscription));
    after = page.next;
  } while (after);
  return out;
}

/**
 * One subscription's filter on one event. A filter that throws (a record written by an older
 * version or damaged in the store) skips that subscription with an error in the log: the tenant's
 * other subscriptions still get the event, and the router does not retry it forever.
 */
function filterMatches(deps: Deps, sub: Subscription, event: CloudEvent): boolean {
  try {
    return matchesOrThrow(sub.filter as Filter, event);
  } catch (e) {
    // Out of budget is the tenant's filter meeting a large event (a warning); anything else is a
    // stored filter this version cannot evaluate (an error).
    const level = e instanceof FilterBudgetExceededError ? 'warn' : 'error';
    deps.logger[level]('subscription filter failed; event not delivered to it', { subscriptionId: sub.id, tenant: sub.tenant, eventId: event.id, error: e });
    return false;
  }
}

/**
 * Stores the event its deliveries send, once: false when another event with the same source and
 * id, but other content, is stored already. CloudEvents makes (source, id) an event's identity
 * (spec.md, "id": consumers may assume events with both equal are duplicates), and every delivery
 * of it, pending or retried days later, sends the stored copy: overwritten, deliveries matched on
 * one event's attributes would send the other's content, past their subscriptions' filters. So
 * the later one is a duplicate and gets no deliveries; the same event again (a redelivered router
 * message, a replay) goes on to find its deliveries made.
 */
async function storeEventOnce(deps: Deps, tenant: string, ref: string, event: CloudEvent, ttlSeconds: number): Promise<boolean> {
  const key = keys.event(tenant, ref);
  const text = JSON.stringify(event);
  if (await deps.store.put(key, text, { ifAbsent: true, ttlSeconds })) return true;
  const stored = await deps.store.get(key);
  if (stored === undefined) return deps.store.put(key, text, { ifAbsent: true, ttlSeconds }); // expired in between
  // The same event again: its retention starts over, as the deliveries this fan-out may still
  // create do (a subscription that matches it since), so their retries find it to the end.
  // (A write in between, by another copy of this message, renewed it already.)
  if (stored.value === text) {
    await deps.store.put(key, text, { ifVersion: stored.version, ttlSeconds });
    return true;
  }
  deps.logger.warn('event not delivered to subscriptions: another event with the same source and id was delivered before', { tenant, eventId: event.id, source: event.source, type: event.type });
  deps.metrics.count('deliveries.duplicate_event_id', 1);
  return false;
}

export interface FanOutResult {
  created: Delivery[];
  /** Deliveries that already existed: a redelivered router message. */
  existing: number;
}

/**
 * Creates one delivery per matching, enabled subscription of the event's tenant. The delivery,
 * its (event, subscription) uniqueness key and its first wake-up are one atomic write, so a
 * redelivered router message creates nothing new, and a crash leaves either all three or none.
 * The event itself is stored once, before, for all its deliveries (and for retries days later).
 */
export async function fanOut(event: CloudEvent, deps: Deps): Promise<FanOutResult> {
  const tenant = tenantOf(event);
  const subs = (await subscriptionsOf(deps, tenant)).filter(
    (s) => s.enabled && (s.filter === undefined || filterMatches(deps, s, event)) && !isAbout(event, s.id),
  );
  const result: FanOutResult = { created: [], existing: 0 };
  if (subs.length === 0) return result;
  const { retentionSeconds } = deliverySettings(deps);
  const now = deps.clock.now();
  const ref = eventRef(event.source, event.id);
  if (!(await storeEventOnce(deps, tenant, ref, event, retentionSeconds))) return result;
  for (const sub of subs) {
    const at = isoTime(now);
    const delivery: Delivery = {
      id: sortableId('msg_', now), tenant, subscriptionId: sub.id, eventId: event.id, eventSource: event.source, eventType: event.type,
      status: 'pending', attempts: [], nextAttemptAt: at, createdAt: at, updatedAt: at,
    };
    const created = await deps.store.putAll([
      { key: keys.deliveryOf(tenant, sub.id, ref), value: delivery.id, opts: { ifAbsent: true, ttlSeconds: retentionSeconds } },
      { key: keys.delivery(tenant, delivery.id), value: JSON.stringify(delivery), opts: { ifAbsent: true, ttlSeconds: retentionSeconds } },
      { key: keys.due(now, tenant, delivery.id), value: '', opts: { ttlSeconds: retentionSeconds } },
    ]);
    if (created) {
      result.created.push(delivery);
      await sendWakeUp(deps, { at: now, tenant, id: delivery.id });
    } else result.existing += 1;
  }
  return result;
}
