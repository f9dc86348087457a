import { afterAttempt, beforeAttempt, type BreakerEvent, type BreakerOptions, type BreakerState, generationOf, INITIAL_BREAKER_STATE } from '../breaker';
import { keys } from '../keys';
import type { Deps } from '../../ports';
import type { CachedBreaker, SweepCache } from './sweep-cache';

/**
 * The per-subscription breaker kept in the state store. Every change is a conditional write on
 * the version read, so of several workers racing for the half-open probe exactly one wins; a
 * lost race on recording a result is simply retried on the fresh state. Within a sweep the state
 * read is kept (sweep-cache.ts): a closed breaker lets attempts go and a success on a clean
 * breaker records nothing without another read; every change is still made on a fresh read.
 * An admitted attempt carries the breaker's generation back to recordResult: its outcome is taken
 * for the state it went in, not the one it lands in (breaker.ts).
 */
const RACES = 8;

type Cache = Pick<SweepCache, 'breaker' | 'setBreaker'>;

async function read(deps: Deps, key: string): Promise<CachedBreaker> {
  const item = await deps.store.get(key);
  return item ? { state: JSON.parse(item.value) as BreakerState, version: item.version } : { state: { ...INITIAL_BREAKER_STATE } };
}

/**
 * A breaker that no attempt has written for a month (or twice disableAfterMs, if longer) is
 * dropped. A subscription with pending deliveries writes its breaker far more often than that;
 * one that went quiet starts again closed, as after a success. Without it, the breaker an
 * attempt in flight writes after its subscription was deleted (which deletes the breaker) would
 * be kept for ever.
 */
const DAY_MS = 24 * 3600 * 1000;
const ttlSeconds = (opts: BreakerOptions) => Math.ceil(Math.min(366 * DAY_MS, Math.max(31 * DAY_MS, 2 * opts.disableAfterMs || 0)) / 1000);

const write = (deps: Deps, key: string, state: BreakerState, version: string | undefined, opts: BreakerOptions) =>
  deps.store.put(key, JSON.stringify(state), version === undefined ? { ifAbsent: true, ttlSeconds: ttlSeconds(opts) } : { ifVersion: version, ttlSeconds: ttlSeconds(opts) });

const clean = (state: BreakerState) => state.state === 'closed' && state.consecutiveFailures === 0;

/** What the breaker-store functions answer: at once when the state kept in the sweep decides. */
type Answer<T> = T | Promise<T>;

/*
 * The three functions below are not async: on nearly every attempt the state kept in the sweep
 * answers them without a read, and an async function costs every attempt a promise and a turn
 * of the microtask queue, and its optimised code a resumable frame. Only a read or a write of
 * the store makes a promise; callers await either answer alike.
 */

/**
 * Whether the breaker holds attempts back now, read without taking anything (no probe, no
 * write): `retryAt` when it does. Lets an attempt be deferred before any work is spent on it.
 */
export function heldBack(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache?: Cache,
): Answer<{ retryAt: number } | undefined> {
  const held = cache?.breaker(tenant, subscriptionId);
  if (held) return holds(deps, held.state, opts);
  return read(deps, keys.breaker(tenant, subscriptionId)).then((fresh) => {
    cache?.setBreaker(tenant, subscriptionId, fresh);
    return holds(deps, fresh.state, opts);
  });
}

function holds(deps: Deps, state: BreakerState, opts: BreakerOptions): { retryAt: number } | undefined {
  const verdict = beforeAttempt(state, deps.clock.now(), opts);
  return verdict.allow ? undefined : { retryAt: verdict.retryAt };
}

/**
 * Starts the breaker of a subscription again, closed, one generation after the state it replaces
 * (breaker.ts): an attempt still in flight to the old endpoint then ends as a late outcome, which
 * counts for nothing against the new one. Written on the version read, as every change: a change
 * another worker makes meanwhile (a probe admitted, the breaker opened) would otherwise be written
 * over by a generation it had already handed out, and that probe's outcome would decide the new
 * breaker. A worker writing on the version it read before is refused, reads this state and finds
 * its outcome late. Answers the state replaced (undefined when there was none), whose held-back
 * deliveries are the caller's to move.
 */
export async function restartBreaker(deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions): Promise<BreakerState | undefined> {
  const key = keys.breaker(tenant, subscriptionId);
  let old: CachedBreaker | undefined;
  for (let i = 0; i < RACES; i++) {
    old = await read(deps, key);
    if (await write(deps, key, restarted(old.state), old.version, opts)) return old.version === undefined ? undefined : old.state;
  }
  // Lost every race: closed all the same (the caller changed the endpoint), after the last state read.
  deps.logger.warn('breaker restart lost to contention', { subscriptionId });
  await deps.store.put(key, JSON.stringify(restarted(old!.state)), { ttlSeconds: ttlSeconds(opts) });
  return old!.state;
}

const restarted = (old: BreakerState): BreakerState => ({ state: 'closed', consecutiveFailures: 0, generation: generationOf(old) + 1 });

/** `generation`: the breaker's generation the attempt goes in, for recordResult. */
export type Admission = { allow: true; generation: number } | { allow: false; retryAt: number };

const unchanged = (next: BreakerState, state: BreakerState) => next === state || JSON.stringify(next) === JSON.stringify(state);

/** May an attempt go now? `retryAt` when the breaker holds it back (no attempt is consumed). */
export function admit(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache?: Cache,
): Answer<Admission> {
  // The kept state decides only when it needs no write; a transition starts from a fresh read.
  const kept = cache?.breaker(tenant, subscriptionId);
  if (kept) {
    const verdict = beforeAttempt(kept.state, deps.clock.now(), opts);
    if (!verdict.allow) return verdict;
    if (unchanged(verdict.state, kept.state)) return { allow: true, generation: generationOf(kept.state) };
  }
  // The kept state's look counts as the first of the RACES tries.
  return admitOnRead(deps, tenant, subscriptionId, opts, cache, kept ? 1 : 0);
}

async function admitOnRead(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache: Cache | undefined, tried: number,
): Promise<Admission> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = tried; i < RACES; i++) {
    const { state, version } = await read(deps, key);
    cache?.setBreaker(tenant, subscriptionId, { state, version });
    const verdict = beforeAttempt(state, deps.clock.now(), opts);
    if (!verdict.allow) return verdict;
    if (unchanged(verdict.state, state)) return { allow: true, generation: generationOf(state) };
    if (await write(deps, key, verdict.state, version, opts)) {
      cache?.setBreaker(tenant, subscriptionId, { state: verdict.state });
      return { allow: true, generation: generationOf(verdict.state) };
    }
  }
  return { allow: false, retryAt: deps.clock.now() + 1000 };
}

/**
 * Records the result of an attempt admitted in `generation` (admit's answer); returns the
 * breaker's events (opened, closed, subscription.disabled).
 */
export function recordResult(
  deps: Deps, tenant: string, subscriptionId: string, success: boolean, generation: number, opts: BreakerOptions, cache?: Cache,
): Answer<BreakerEvent[]> {
  const kept = cache?.breaker(tenant, subscriptionId);
  // A success on a clean breaker changes nothing, whatever generation it went in.
  if (success && kept && clean(kept.state)) return [];
  return recordOnRead(deps, tenant, subscriptionId, success, generation, opts, cache);
}

async function recordOnRead(
  deps: Deps, tenant: string, subscriptionId: string, success: boolean, generation: number, opts: BreakerOptions, cache: Cache | undefined,
): Promise<BreakerEvent[]> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = 0; i < RACES; i++) {
    const { state, version } = await read(deps, key);
    if (success && clean(state)) {
      cache?.setBreaker(tenant, subscriptionId, { state, version });
      return [];
    }
    const next = afterAttempt(state, deps.clock.now(), success, opts, generation);
    // A late outcome may change nothing: no write, and the version read stays good for the cache.
    if (next.state === state) {
      cache?.setBreaker(tenant, subscriptionId, { state, version });
      return next.events;
    }
    if (await write(deps, key, next.state, version, opts)) {
      cache?.setBreaker(tenant, subscriptionId, { state: next.state });
      return next.events;
    }
  }
  cache?.setBreaker(tenant, subscriptionId, undefined);
  deps.logger.warn('breaker update lost to contention', { subscriptionId });
  return [];
}
