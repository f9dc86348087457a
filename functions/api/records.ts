import { recordWrites, withResponses } from '../../shared/delivery/attempt-log';
import { deliverySettings } from '../../shared/delivery/engine/deps';
import { eventRef, keys } from '../../shared/delivery/keys';
import type { Delivery, Subscription } from '../../shared/delivery/model';
import { AppError } from '../../shared/errors';
import { REDACTED } from '../../shared/log/redact';
import type { Deps } from '../../shared/ports';
import { sendWakeUp } from '../../shared/ports/wakeups';
import { notFound } from './auth';

/**
 * Reading and conditionally rewriting the delivery engine's records (shared/delivery/keys.ts),
 * and the views the API shows of them. Keys always include the caller's tenant, so another
 * tenant's id is simply absent: 404, never 403.
 */
const RACES = 5;

export interface Versioned<T> {
  record: T;
  version: string;
}

async function load<T>(deps: Deps, key: string, kind: 'subscription' | 'delivery'): Promise<Versioned<T>> {
  const item = await deps.store.get(key);
  if (!item) throw notFound(kind);
  return { record: JSON.parse(item.value) as T, version: item.version };
}

export const loadSubscription = (deps: Deps, tenant: string, id: string) =>
  load<Subscription>(deps, keys.subscription(tenant, id), 'subscription');
export const loadDelivery = (deps: Deps, tenant: string, id: string) =>
  load<Delivery & { lease?: unknown }>(deps, keys.delivery(tenant, id), 'delivery');

/**
 * A disabled subscription sends nothing: a delivery made due for it would only be failed again at
 * once, as `subscription_disabled`, its last error overwritten. Re-enable it first (PATCH
 * `{"enabled": true}`), then retry or recover.
 */
export function requireEnabled(sub: Subscription): void {
  if (sub.enabled) return;
  throw new AppError('subscription_disabled', `The subscription is disabled${sub.disabledReason ? ` (${sub.disabledReason})` : ''}; enable it (PATCH {"enabled": true}) before resending its deliveries`, {
    status: 409, extra: { subscriptionId: sub.id },
  });
}

/**
 * Refuses a resend that cannot be made for the delivery's subscription: deleted (for good), 409
 * `subscription_deleted`, the code the engine would fail the attempt with (409, not 404: the
 * delivery is there, it is its subscription that is gone); disabled, as requireEnabled. Accepted,
 * either would only be failed again at once, its last error overwritten.
 */
export async function requireResendable(deps: Deps, tenant: string, subscriptionId: string): Promise<void> {
  const item = await deps.store.get(keys.subscription(tenant, subscriptionId));
  if (!item) {
    throw new AppError('subscription_deleted', 'The subscription of this delivery was deleted; its deliveries cannot be sent again', {
      status: 409, extra: { subscriptionId },
    });
  }
  requireEnabled(JSON.parse(item.value) as Subscription);
}

/**
 * Read, change, write on the version read; a lost race is retried on the fresh record (the
 * delivery engine writes subscriptions too, when it disables one).
 */
export async function updateSubscription(
  deps: Deps, tenant: string, id: string, change: (current: Subscription) => Subscription,
): Promise<{ before: Subscription; after: Subscription }> {
  const key = keys.subscription(tenant, id);
  for (let i = 0; i < RACES; i++) {
    const { record, version } = await loadSubscription(deps, tenant, id);
    const after = change(record);
    if (await deps.store.put(key, JSON.stringify(after), { ifVersion: version })) return { before: record, after };
  }
  throw conflict();
}

export const conflict = () =>
  new AppError('concurrent_update', 'The record changed while it was being updated; retry the request', { status: 409, retryable: true });

/** How long delivery records and their wake-ups live (config deliveries.retentionDays, 30 by default). */
export const retentionSeconds = (deps: Deps) => deliverySettings(deps).retentionSeconds;

/**
 * Extra headers whose values are credentials, shown as "[redacted]" (and kept when sent back so):
 * by name (authorization, any *key*, token, secret, password, cookie, signature, session ...:
 * x-functions-key, ocp-apim-subscription-key, x-amz-security-key), or by value (an
 * authentication scheme followed by its credentials, whatever the header is called).
 */
const SECRET_HEADER = /auth|secret|token|passw|pwd|key|cookie|credential|signature|session|sig$/i;
const SCHEMED_VALUE = /^(?:bearer|basic|digest|token|apikey|api-key|hmac|hoba|mutual|negotiate|ntlm|sharedkey|sharedaccesssignature|aws4-hmac-sha256|dpop)\s/i;
const isCredential = (name: string, value: string) => SECRET_HEADER.test(name) || SCHEMED_VALUE.test(value);

/** A subscription as the API shows it: never a secret, sealed or plain, nor credential headers. */
export function subscriptionView(sub: Subscription): Record<string, unknown> {
  const { secrets: _secrets, headers, ...rest } = sub;
  const view: Record<string, unknown> = { ...rest };
  if (headers) view.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isCredential(k, v) ? REDACTED : v]));
  return view;
}

/**
 * The full delivery with its attempts and their responses (bodies capped at 20 KB), without the
 * worker's lease: the record read and, apart from it, the responses (attempt-log.ts).
 */
export async function deliveryView(deps: Deps, d: Delivery & { lease?: unknown }): Promise<Delivery> {
  const { lease: _lease, ...rest } = d;
  return withResponses(deps.store, rest);
}

/**
 * What a retry answers a key without `deliveries:read`: that the delivery is pending again, and
 * when. The attempt log (what its receiver answered, the headers it sent back) is for the keys
 * allowed to read the delivery log.
 */
export const retryAccepted = (d: Delivery) => ({ id: d.id, status: d.status, nextAttemptAt: d.nextAttemptAt });

/** A line of the delivery log: no attempt responses. */
export function deliverySummary(d: Delivery) {
  return {
    id: d.id, subscriptionId: d.subscriptionId, eventId: d.eventId, eventSource: d.eventSource, eventType: d.eventType, status: d.status,
    attempts: d.attempts.length, lastError: d.lastError, nextAttemptAt: d.nextAttemptAt, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

/**
 * The stored event a delivery sends (its JSON text), or undefined once it has outlived its
 * retention. Fan-out keeps an event for the retention from then, while a delivery record is kept
 * for the retention from its last write: a failed record can outlive its event, and a resend of
 * it could only fail as `event_expired`, in place of the error it failed with.
 */
export async function eventOf(deps: Deps, tenant: string, delivery: Delivery): Promise<string | undefined> {
  return (await deps.store.get(keys.event(tenant, eventRef(delivery.eventSource, delivery.eventId))))?.value;
}

export const eventExpired = () =>
  new AppError('event_expired', 'The event of this delivery is no longer kept (deliveries.retentionDays): it cannot be sent again', { status: 409 });

/**
 * Makes a delivery pending again, due now: the record (on the version read), its due key and its
 * event (`eventText`, from eventOf: kept as long as the record now is, for the attempts this
 * starts) in one atomic write, as the engine writes them, then a punctual wake-up (best effort).
 * Attempts are kept; the next one is numbered on. Undefined when the record changed meanwhile.
 */
export async function scheduleNow(deps: Deps, tenant: string, delivery: Delivery, version: string, eventText: string): Promise<Delivery | undefined> {
  const now = deps.clock.now();
  const at = new Date(now).toISOString();
  const { lease: _lease, ...rest } = delivery as Delivery & { lease?: unknown };
  const next: Delivery = { ...rest, status: 'pending', nextAttemptAt: at, updatedAt: at };
  const { retentionSeconds: ttlSeconds, responseTtlSeconds } = deliverySettings(deps);
  const ok = await deps.store.putAll([
    ...recordWrites(keys.delivery(tenant, delivery.id), next, { ifVersion: version, ttlSeconds }, responseTtlSeconds),
    { key: keys.due(now, tenant, delivery.id), value: '', opts: { ttlSeconds } },
    { key: keys.event(tenant, eventRef(delivery.eventSource, delivery.eventId)), value: eventText, opts: { ttlSeconds } },
  ]);
  if (!ok) return undefined;
  // As the engine does for every attempt it schedules: on the clouds the sweep is only the backstop.
  await sendWakeUp(deps, { at: now, tenant, id: delivery.id });
  return next;
}
