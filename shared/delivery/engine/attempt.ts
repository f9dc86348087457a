import { type AppError, toAppError } from '../../errors';
import { isoTime } from '../iso-time';
import { eventRef, keys } from '../keys';
import { type Attempt, type Delivery, responseBodyPreview } from '../model';
import type { AttemptResult } from '../schedule';
import type { Write } from '../../ports/store';
import { take } from '../../ratelimit/token-bucket';
import { admit, confirmSuccesses, heldBack } from './breaker-store';
import type { DeliveryDeps } from './deps';
import { leasedText, leaseVersion, OwnedAttempt } from './owned';
import { type AttemptRequest, buildRequest, TransformFailed } from './request';
import { settle } from './settle';
import { type SweepCache, sweepCache } from './sweep-cache';
import { isUnparkTask, runUnparkTask } from './unpark';

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
export { MAX_DEFER_MS } from './owned';
export type DueOutcome = 'stale' | 'busy' | 'deferred' | 'succeeded' | 'retrying' | 'failed';

/**
 * `cache` holds the reads shared by the attempts of one sweep; a lone wake-up gets its own, and
 * confirms the success it may have recorded on the breaker it read (breaker-store.ts) before it ends.
 */
export function processDue(deps: DeliveryDeps, due: Due, cache?: SweepCache): Promise<DueOutcome> {
  // Not an attempt: a task that brings deliveries a breaker parked due now (unpark.ts).
  if (isUnparkTask(due.id)) return runUnparkTask(deps, due);
  // Not async itself: a sweep's attempt goes straight to attemptDue, without a frame more.
  return cache ? attemptDue(deps, due, cache) : alone(deps, due);
}

async function alone(deps: DeliveryDeps, due: Due): Promise<DueOutcome> {
  const own = sweepCache(deps);
  try {
    return await attemptDue(deps, due, own);
  } finally {
    await confirmSuccesses(deps, own, own.settings.breaker);
  }
}

async function attemptDue(deps: DeliveryDeps, due: Due, cache: SweepCache): Promise<DueOutcome> {
  const { store } = deps;
  const { settings } = cache;
  const key = keys.delivery(due.tenant, due.id);
  const dueKey = keys.due(due.at, due.tenant, due.id);
  const item = await store.get(key);
  const stored = item ? (JSON.parse(item.value) as Lease) : undefined;
  if (!item || !stored || stored.status !== 'pending' || stored.nextAttemptAt === undefined || Date.parse(stored.nextAttemptAt) !== due.at) {
    await store.delete(dueKey);
    return 'stale';
  }
  const now = deps.clock.now();
  if (stored.lease && stored.lease.until > now) return 'busy';
  // Every outcome below is written from `record`, which has no lease: the write releases it. A
  // record read without one (a first attempt, a retry whose lease was released) is that already.
  const expired = stored.lease;
  const record: Delivery = expired === undefined ? stored : withoutLease(stored);
  // The lease's version is ours to choose, so the outcome can be written on it without a read.
  const version = leaseVersion();
  // The text read with the lease appended (owned.ts): the record is not serialised again for it.
  const leased = leasedText(item.value, expired === undefined, record, now + settings.leaseMs);
  const lease: Write = { key, value: leased, opts: { ifVersion: item.version, newVersion: version, ttlSeconds: settings.retentionSeconds } };
  if (!(await cache.putAll([lease]))) return 'busy';
  const owned = new OwnedAttempt(deps, cache, due, key, dueKey, version, record, now);

  const sub = await cache.subscription(due.tenant, record.subscriptionId);
  if (!sub) return owned.fail('subscription_deleted');
  if (!sub.enabled) return owned.fail(`subscription_disabled${sub.disabledReason ? `:${sub.disabledReason}` : ''}`);
  const eventText = await cache.event(due.tenant, eventRef(record.eventSource, record.eventId));
  if (eventText === undefined) return owned.fail('event_expired');

  // An open breaker defers the attempt before any work is spent on it (a transform, a token).
  // Otherwise whatever else can hold the attempt back comes before the breaker is asked for it: a
  // half-open probe granted to an attempt that then does not go (its transform fails, the sealer
  // is down, the rate limit says wait) would keep the breaker half-open, and every other delivery
  // of the subscription waiting, until the probe is presumed lost.
  const held = await heldBack(deps, due.tenant, sub.id, settings.breaker, cache);
  if (held) return owned.defer(held.retryAt, false);
  let request: AttemptRequest;
  try {
    request = await buildRequest(deps, sub, record, eventText);
  } catch (e) {
    if (e instanceof TransformFailed) return owned.fail(`${e.code}: ${e.message}`);
    throw e;
  }
  if (sub.rateLimit) {
    const limit = { perSecond: sub.rateLimit.perSecond, burst: sub.rateLimit.burst ?? Math.max(1, Math.ceil(sub.rateLimit.perSecond)) };
    const taken = await take(store, deps.clock, `rl:sub:${due.tenant}:${sub.id}`, limit);
    if (!taken.ok) return owned.defer(now + taken.retryAfterSeconds * 1000);
  }
  // The lease was sized for the request (its deadline and a margin), not for the work before it:
  // a slow sealer, a queue of transforms or a contended store can leave too little of it, and a
  // second worker would then take the attempt over and send it while this request still runs.
  // Past half the margin, the lease is written again from now, before the breaker is asked.
  const { leaseMs, timeoutMs } = settings;
  const leasedAt = deps.clock.now();
  if (leasedAt - now > (leaseMs - timeoutMs) / 2 && !(await owned.renew(leasedAt + leaseMs))) return 'busy';
  const gate = await admit(deps, due.tenant, sub.id, settings.breaker, cache);
  if (!gate.allow) return owned.defer(gate.retryAt, false);
  const attempt: Attempt = { n: record.attempts.length + 1, at: isoTime(deps.clock.now()), durationMs: 0 };
  let result: AttemptResult;
  // Monotonic, as the client's own durationMs: a timeout or a broken connection took time too.
  const started = performance.now();
  try {
    const res = await deps.outbound.send(sub.url, { method: 'POST', headers: request.headers, body: request.body });
    attempt.status = res.status;
    attempt.durationMs = Math.round(res.durationMs);
    attempt.responseBody = responseBodyPreview(res.body);
    attempt.responseHeaders = recordedHeaders(res.headerRecord);
    result = { kind: 'response', status: res.status, retryAfter: res.headerRecord['retry-after'] ?? null };
  } catch (e) {
    const err = toAppError(e);
    attempt.durationMs = Math.round(performance.now() - started);
    attempt.error = err.code === 'connect_failed' ? String(err.extra.reason ?? err.code) : err.code;
    result = timedOut(err) ? { kind: 'timeout' } : { kind: 'error', code: err.code };
  }
  return settle(deps, { owned, sub, attempt, result, cache, generation: gate.generation });
}

/**
 * The request's deadline passed, or the agent's connect timeout (10 s, so before the 15 s
 * deadline) ended a connection that never completed: a host dropping SYNs, a name server that
 * never answers. Either way the endpoint is overloaded or unreachable, and the next attempt waits
 * the throttle floor (schedule.ts isThrottled); the attempt log keeps which of the two it was.
 */
const timedOut = (err: AppError): boolean =>
  err.code === 'delivery_timeout' || (err.code === 'connect_failed' && err.extra.reason === 'UND_ERR_CONNECT_TIMEOUT');

function withoutLease(stored: Lease): Delivery {
  const { lease: _lease, ...record } = stored;
  return record;
}

/**
 * The response headers kept in the attempt log, which `GET /deliveries/{id}` shows to the
 * tenant's API keys: all but `set-cookie`, a session the receiver hands out (often a third
 * party's endpoint) that the log has no use for and should not pass on.
 */
function recordedHeaders(headers: Record<string, string>): Record<string, string> {
  if (!('set-cookie' in headers)) return headers;
  const { 'set-cookie': _cookie, ...rest } = headers;
  return rest;
}
