import { failingAfter } from '../breaker';
import { isoTime } from '../iso-time';
import { keys } from '../keys';
import type { Attempt, Delivery, Subscription } from '../model';
import { type AttemptResult, classifyOutcome, nextAttemptAt } from '../schedule';
import { recordResult } from './breaker-store';
import type { DeliveryDeps } from './deps';
import { OPS_TYPES, publishOps } from './ops-events';
import type { OwnedAttempt } from './owned';
import type { SweepCache } from './sweep-cache';

/**
 * The end of an attempt: the breaker is told, the attempt is appended to the delivery's log and
 * the delivery succeeds, fails for good, or waits for its next attempt on the retry schedule.
 */
export interface Settle {
  /** The leased attempt: its record as read, and the write of its outcome. */
  owned: Pick<OwnedAttempt, 'record' | 'save'>;
  sub: Subscription;
  attempt: Attempt;
  result: AttemptResult;
  cache: SweepCache;
  /** The breaker's generation the attempt was admitted in: its outcome is taken for that state. */
  generation: number;
}

/** 'busy': the outcome was refused because another worker took the attempt over (our lease ran out). */
export type Settled = 'succeeded' | 'retrying' | 'failed' | 'busy';

export async function settle(deps: DeliveryDeps, { owned, sub, attempt, result, cache, generation }: Settle): Promise<Settled> {
  const { settings } = cache;
  const { record } = owned;
  const ended = deps.clock.now();
  let outcome = classifyOutcome(result);
  let scheduled = result;
  const attempts = [...record.attempts, attempt];
  const updatedAt = isoTime(ended);
  const events = await recordResult(deps, sub.tenant, sub.id, outcome === 'success', generation, settings.breaker, cache);
  if (outcome === 'gone' || events.includes('subscription.disabled')) {
    const disabled = await disable(deps, sub, outcome === 'gone' ? 'gone' : 'failing', cache);
    // The endpoint that is gone is no longer the subscription's: the next attempt goes to its new URL.
    if (disabled === 'moved' && outcome === 'gone') [outcome, scheduled] = ['retry', MOVED];
  }
  if (outcome === 'success') {
    // Left out rather than deleted: `delete` turns the record into a slow dictionary object. The
    // copy without them is the record written, its members in their places as a spread copy
    // would keep them (a member the record lacks is added at the end, in this order).
    const { nextAttemptAt: _next, lastError: _error, ...done } = record;
    done.attempts = attempts;
    done.updatedAt = updatedAt;
    done.status = 'succeeded';
    if (!(await owned.save(done))) return 'busy';
    deps.metrics.count('deliveries.succeeded', 1);
    return 'succeeded';
  }
  const base: Delivery = { ...record, attempts, updatedAt };
  const lastError = attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error ?? 'error';
  const next = outcome === 'gone' ? undefined : nextAttemptAt({ policy: settings.retry, attemptNumber: attempts.length, lastAttemptAt: ended, outcome: scheduled, random: deps.random ?? Math.random });
  if (failingAfter(attempts) && next !== undefined) await publishOps(deps, OPS_TYPES.deliveryFailing, sub, {}, { ...base, lastError });
  if (next === undefined) {
    const failed: Delivery = { ...base, status: 'failed', lastError: outcome === 'gone' ? 'gone: HTTP 410' : lastError };
    delete failed.nextAttemptAt;
    if (!(await owned.save(failed))) return 'busy';
    deps.metrics.count('deliveries.failed', 1);
    // The delivery is a dead letter now (GET /deliveries?status=failed, POST .../retry): say so,
    // once per delivery (the event id holds its attempt count), so a SIEM can alert on it.
    await publishOps(deps, OPS_TYPES.deliveryFailed, sub, {}, failed);
    return 'failed';
  }
  return (await owned.save({ ...base, lastError, nextAttemptAt: isoTime(next) }, next)) ? 'retrying' : 'busy';
}

/** A 410 from an endpoint the subscription has since moved away from: retried as a plain failure. */
const MOVED: AttemptResult = { kind: 'error', code: 'endpoint_moved' };

/**
 * Disables a subscription (410 Gone, or five days of failure) and says so on the bus. 'moved'
 * when the subscription's URL is no longer the one the attempt went to (changed while the attempt
 * was in flight, or within the sweep's view of the record): the old endpoint's answer says nothing
 * about the new one, whose breaker the change has reset.
 */
async function disable(deps: DeliveryDeps, sub: Subscription, reason: 'gone' | 'failing', cache: SweepCache): Promise<'disabled' | 'moved' | undefined> {
  const key = keys.subscription(sub.tenant, sub.id);
  for (let i = 0; i < 5; i++) {
    const item = await deps.store.get(key);
    if (!item) return undefined;
    const current = JSON.parse(item.value) as Subscription;
    // The rest of the sweep must see what the store says, disabled by us or by someone else.
    cache.setSubscription(current);
    if (current.url !== sub.url) return 'moved';
    if (!current.enabled) return undefined;
    const next: Subscription = { ...current, enabled: false, disabledReason: reason, updatedAt: new Date(deps.clock.now()).toISOString() };
    if (await deps.store.put(key, JSON.stringify(next), { ifVersion: item.version })) {
      cache.setSubscription(next);
      deps.logger.warn('subscription disabled', { subscriptionId: sub.id, reason });
      await publishOps(deps, OPS_TYPES.subscriptionDisabled, sub, { reason });
      return 'disabled';
    }
  }
  return undefined;
}
