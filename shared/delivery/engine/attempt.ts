import { toAppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import { failingAfter } from '../breaker';
import { keys } from '../keys';
import { type Attempt, type Delivery, responseBodyPreview, type Subscription } from '../model';
import { type AttemptResult, classifyOutcome, nextAttemptAt } from '../schedule';
import { sendWakeUp } from '../../ports/wakeups';
import { take } from '../../ratelimit/token-bucket';
import { admit, recordResult } from './breaker-store';
import { type DeliveryDeps, deliverySettings } from './deps';
import { OPS_TYPES, publishOps } from './ops-events';
import { buildRequest, TransformFailed } from './request';

/**
 * One due attempt of one delivery. The delivery record is the only authority: a wake-up (a due
 * key, a queue message) carries no state, so duplicates and stale wake-ups are harmless. A worker
 * owns the attempt by writing a lease on the record's version; the outcome, the next wake-up and
 * the release of the lease are then one atomic write. A worker that dies mid-attempt leaves the
 * lease to expire and the due key in place: the next sweep makes the attempt again with the same
 * webhook-id, which is the one case where a receiver can see a delivery twice.
 */
export interface Due {
  at: number;
  tenant: string;
  id: string;
}

type Lease = Delivery & { lease?: { until: number } };
export type DueOutcome = 'stale' | 'busy' | 'deferred' | 'succeeded' | 'retrying' | 'failed';

const json = <T>(v: string | undefined): T | undefined => (v === undefined ? undefined : (JSON.parse(v) as T));

export async function processDue(deps: DeliveryDeps, due: Due): Promise<DueOutcome> {
  const { store } = deps;
  const dueKey = keys.due(due.at, due.tenant, due.id);
  const item = await store.get(keys.delivery(due.tenant, due.id));
  const record = json<Lease>(item?.value);
  if (!item || !record || record.status !== 'pending' || record.nextAttemptAt === undefined || Date.parse(record.nextAttemptAt) !== due.at) {
    await store.delete(dueKey);
    return 'stale';
  }
  const settings = deliverySettings(deps);
  const now = deps.clock.now();
  if (record.lease && record.lease.until > now) return 'busy';
  const leased: Lease = { ...record, lease: { until: now + settings.leaseMs } };
  if (!(await store.put(keys.delivery(due.tenant, due.id), JSON.stringify(leased), { ifVersion: item.version, ttlSeconds: settings.retentionSeconds }))) return 'busy';
  const version = (await store.get(keys.delivery(due.tenant, due.id)))?.version;
  if (version === undefined) return 'busy';

  const save = async (next: Delivery, wakeAt?: number) => {
    const { lease: _released, ...clean } = next as Lease;
    const writes = [{ key: keys.delivery(due.tenant, due.id), value: JSON.stringify(clean), opts: { ifVersion: version, ttlSeconds: settings.retentionSeconds } }];
    if (wakeAt !== undefined) writes.push({ key: keys.due(wakeAt, due.tenant, due.id), value: '', opts: { ttlSeconds: settings.retentionSeconds } } as never);
    const ok = await store.putAll(writes);
    // Lost the record to another worker (our lease had expired): its due key is its own now.
    if (ok && wakeAt !== due.at) await store.delete(dueKey);
    // A retry or deferral: a punctual wake-up for its new due time (the sweep is the backstop).
    if (ok && wakeAt !== undefined) await sendWakeUp(deps, { at: wakeAt, tenant: due.tenant, id: due.id });
    return ok;
  };
  const defer = async (at: number): Promise<DueOutcome> => {
    await save({ ...record, nextAttemptAt: new Date(at).toISOString(), updatedAt: new Date(now).toISOString() }, at);
    return 'deferred';
  };
  const fail = async (reason: string, d: Delivery = record): Promise<DueOutcome> => {
    const failed: Delivery = { ...d, status: 'failed', lastError: reason, updatedAt: new Date(deps.clock.now()).toISOString() };
    delete failed.nextAttemptAt;
    await save(failed);
    return 'failed';
  };

  const sub = json<Subscription>((await store.get(keys.subscription(due.tenant, record.subscriptionId)))?.value);
  if (!sub) return fail('subscription_deleted');
  if (!sub.enabled) return fail(`subscription_disabled${sub.disabledReason ? `:${sub.disabledReason}` : ''}`);
  const event = json<CloudEvent>((await store.get(keys.event(due.tenant, record.eventId)))?.value);
  if (!event) return fail('event_expired');

  const gate = await admit(deps, due.tenant, sub.id, settings.breaker);
  if (!gate.allow) return defer(gate.retryAt);
  if (sub.rateLimit) {
    const limit = { perSecond: sub.rateLimit.perSecond, burst: sub.rateLimit.burst ?? Math.max(1, Math.ceil(sub.rateLimit.perSecond)) };
    const taken = await take(store, deps.clock, `rl:sub:${due.tenant}:${sub.id}`, limit);
    if (!taken.ok) return defer(now + taken.retryAfterSeconds * 1000);
  }

  let request: Awaited<ReturnType<typeof buildRequest>>;
  try {
    request = await buildRequest(deps, sub, record, event);
  } catch (e) {
    if (e instanceof TransformFailed) return fail(`${e.code}: ${e.message}`);
    throw e;
  }
  const attempt: Attempt = { n: record.attempts.length + 1, at: new Date(deps.clock.now()).toISOString(), durationMs: 0 };
  let result: AttemptResult;
  try {
    const res = await deps.outbound.send(sub.url, { method: 'POST', headers: request.headers, body: request.body });
    attempt.status = res.status;
    attempt.durationMs = Math.round(res.durationMs);
    attempt.responseBody = responseBodyPreview(res.body);
    attempt.responseHeaders = Object.fromEntries(res.headers);
    result = { kind: 'response', status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (e) {
    const err = toAppError(e);
    attempt.error = err.code === 'connect_failed' ? String(err.extra.reason ?? err.code) : err.code;
    result = err.code === 'delivery_timeout' ? { kind: 'timeout' } : { kind: 'error', code: err.code };
  }
  return settle(deps, { record, sub, attempt, result, save, settings });
}

interface Settle {
  record: Delivery;
  sub: Subscription;
  attempt: Attempt;
  result: AttemptResult;
  save: (next: Delivery, wakeAt?: number) => Promise<boolean>;
  settings: ReturnType<typeof deliverySettings>;
}

async function settle(deps: DeliveryDeps, { record, sub, attempt, result, save, settings }: Settle): Promise<DueOutcome> {
  const ended = deps.clock.now();
  const outcome = classifyOutcome(result);
  const attempts = [...record.attempts, attempt];
  const base: Delivery = { ...record, attempts, updatedAt: new Date(ended).toISOString() };
  const events = await recordResult(deps, sub.tenant, sub.id, outcome === 'success', settings.breaker);
  if (outcome === 'gone' || events.includes('subscription.disabled')) await disable(deps, sub, outcome === 'gone' ? 'gone' : 'failing');
  if (outcome === 'success') {
    const done: Delivery = { ...base, status: 'succeeded' };
    delete done.nextAttemptAt;
    delete done.lastError;
    await save(done);
    deps.metrics.count('deliveries.succeeded', 1);
    return 'succeeded';
  }
  const lastError = attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error ?? 'error';
  const next = outcome === 'gone' ? undefined : nextAttemptAt({ policy: settings.retry, attemptNumber: attempts.length, lastAttemptAt: ended, outcome: result, random: deps.random ?? Math.random });
  if (failingAfter(attempts.length) && next !== undefined) await publishOps(deps, OPS_TYPES.deliveryFailing, sub, {}, { ...base, lastError });
  if (next === undefined) {
    const failed: Delivery = { ...base, status: 'failed', lastError: outcome === 'gone' ? 'gone: HTTP 410' : lastError };
    delete failed.nextAttemptAt;
    await save(failed);
    deps.metrics.count('deliveries.failed', 1);
    return 'failed';
  }
  await save({ ...base, lastError, nextAttemptAt: new Date(next).toISOString() }, next);
  return 'retrying';
}

/** Disables a subscription (410 Gone, or five days of failure) and says so on the bus. */
async function disable(deps: DeliveryDeps, sub: Subscription, reason: 'gone' | 'failing'): Promise<void> {
  const key = keys.subscription(sub.tenant, sub.id);
  for (let i = 0; i < 5; i++) {
    const item = await deps.store.get(key);
    if (!item) return;
    const current = JSON.parse(item.value) as Subscription;
    if (!current.enabled) return;
    const next: Subscription = { ...current, enabled: false, disabledReason: reason, updatedAt: new Date(deps.clock.now()).toISOString() };
    if (await deps.store.put(key, JSON.stringify(next), { ifVersion: item.version })) {
      deps.logger.warn('subscription disabled', { subscriptionId: sub.id, reason });
      await publishOps(deps, OPS_TYPES.subscriptionDisabled, sub, { reason });
      return;
    }
  }
}
