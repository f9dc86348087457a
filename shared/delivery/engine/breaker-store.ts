import { afterAttempt, beforeAttempt, type BreakerEvent, type BreakerOptions, type BreakerState, INITIAL_BREAKER_STATE } from '../breaker';
import { keys } from '../keys';
import type { Deps } from '../../ports';
import type { CachedBreaker, SweepCache } from './sweep-cache';

/**
 * The per-subscription breaker kept in the state store. Every change is a conditional write on
 * the version read, so of several workers racing for the half-open probe exactly one wins; a
 * lost race on recording a result is simply retried on the fresh state. Within a sweep the state
 * read is kept (sweep-cache.ts): a closed breaker lets attempts go and a success on a clean
 * breaker records nothing without another read; every change is still made on a fresh read.
 */
const RACES = 8;

type Cache = Pick<SweepCache, 'breaker' | 'setBreaker'>;

async function read(deps: Deps, key: string): Promise<CachedBreaker> {
  const item = await deps.store.get(key);
  return item ? { state: JSON.parse(item.value) as BreakerState, version: item.version } : { state: { ...INITIAL_BREAKER_STATE } };
}

const write = (deps: Deps, key: string, state: BreakerState, version: string | undefined) =>
  deps.store.put(key, JSON.stringify(state), version === undefined ? { ifAbsent: true } : { ifVersion: version });

const clean = (state: BreakerState) => state.state === 'closed' && state.consecutiveFailures === 0;

/**
 * Whether the breaker holds attempts back now, read without taking anything (no probe, no
 * write): `retryAt` when it does. Lets an attempt be deferred before any work is spent on it.
 */
export async function heldBack(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache?: Cache,
): Promise<{ retryAt: number } | undefined> {
  let held = cache?.breaker(tenant, subscriptionId);
  if (!held) {
    held = await read(deps, keys.breaker(tenant, subscriptionId));
    cache?.setBreaker(tenant, subscriptionId, held);
  }
  const verdict = beforeAttempt(held.state, deps.clock.now(), opts);
  return verdict.allow ? undefined : { retryAt: verdict.retryAt };
}

/** May an attempt go now? `retryAt` when the breaker holds it back (no attempt is consumed). */
export async function admit(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache?: Cache,
): Promise<{ allow: true } | { allow: false; retryAt: number }> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = 0; i < RACES; i++) {
    // The kept state decides only when it needs no write; a transition starts from a fresh read.
    const kept = i === 0 ? cache?.breaker(tenant, subscriptionId) : undefined;
    const { state, version } = kept ?? (await read(deps, key));
    if (!kept) cache?.setBreaker(tenant, subscriptionId, { state, version });
    const now = deps.clock.now();
    const verdict = beforeAttempt(state, now, opts);
    if (!verdict.allow) return verdict;
    if (verdict.state === state || JSON.stringify(verdict.state) === JSON.stringify(state)) return { allow: true };
    if (kept) continue;
    if (await write(deps, key, verdict.state, version)) {
      cache?.setBreaker(tenant, subscriptionId, { state: verdict.state });
      return { allow: true };
    }
  }
  return { allow: false, retryAt: deps.clock.now() + 1000 };
}

/** Records an attempt's result; returns the breaker's events (opened, closed, subscription.disabled). */
export async function recordResult(
  deps: Deps, tenant: string, subscriptionId: string, success: boolean, opts: BreakerOptions, cache?: Cache,
): Promise<BreakerEvent[]> {
  const key = keys.breaker(tenant, subscriptionId);
  const kept = cache?.breaker(tenant, subscriptionId);
  if (success && kept && clean(kept.state)) return [];
  for (let i = 0; i < RACES; i++) {
    const { state, version } = await read(deps, key);
    if (success && clean(state)) {
      cache?.setBreaker(tenant, subscriptionId, { state, version });
      return [];
    }
    const next = afterAttempt(state, deps.clock.now(), success, opts);
    if (await write(deps, key, next.state, version)) {
      cache?.setBreaker(tenant, subscriptionId, { state: next.state });
      return next.events;
    }
  }
  cache?.setBreaker(tenant, subscriptionId, undefined);
  deps.logger.warn('breaker update lost to contention', { subscriptionId });
  return [];
}
