import { afterAttempt, beforeAttempt, type BreakerEvent, type BreakerOptions, type BreakerState, INITIAL_BREAKER_STATE } from '../breaker';
import { keys } from '../keys';
import type { Deps } from '../../ports';

/**
 * The per-subscription breaker kept in the state store. Every change is a conditional write on
 * the version read, so of several workers racing for the half-open probe exactly one wins; a
 * lost race on recording a result is simply retried on the fresh state.
 */
const RACES = 8;

async function read(deps: Deps, key: string): Promise<{ state: BreakerState; version?: string }> {
  const item = await deps.store.get(key);
  return item ? { state: JSON.parse(item.value) as BreakerState, version: item.version } : { state: { ...INITIAL_BREAKER_STATE } };
}

const write = (deps: Deps, key: string, state: BreakerState, version: string | undefined) =>
  deps.store.put(key, JSON.stringify(state), version === undefined ? { ifAbsent: true } : { ifVersion: version });

/** May an attempt go now? `retryAt` when the breaker holds it back (no attempt is consumed). */
export async function admit(deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions): Promise<{ allow: true } | { allow: false; retryAt: number }> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = 0; i < RACES; i++) {
    const { state, version } = await read(deps, key);
    const now = deps.clock.now();
    const verdict = beforeAttempt(state, now, opts);
    if (!verdict.allow) return verdict;
    if (verdict.state === state || JSON.stringify(verdict.state) === JSON.stringify(state)) return { allow: true };
    if (await write(deps, key, verdict.state, version)) return { allow: true };
  }
  return { allow: false, retryAt: deps.clock.now() + 1000 };
}

/** Records an attempt's result; returns the breaker's events (opened, closed, subscription.disabled). */
export async function recordResult(deps: Deps, tenant: string, subscriptionId: string, success: boolean, opts: BreakerOptions): Promise<BreakerEvent[]> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = 0; i < RACES; i++) {
    const { state, version } = await read(deps, key);
    if (success && state.state === 'closed' && state.consecutiveFailures === 0) return [];
    const next = afterAttempt(state, deps.clock.now(), success, opts);
    if (await write(deps, key, next.state, version)) return next.events;
  }
  deps.logger.warn('breaker update lost to contention', { subscriptionId });
  return [];
}
