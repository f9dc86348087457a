import {
  afterAttempt, afterSuccessAt, beforeAttempt, type BreakerEvent, type BreakerOptions, type BreakerState, generationOf, INITIAL_BREAKER_STATE,
} from '../breaker';
import { keys } from '../keys';
import type { Deps } from '../../ports';
import type { CachedBreaker, SweepCache } from './sweep-cache';

/**
 * The per-subscription breaker kept in the state store. Every change is a conditional write on
 * the version read, so of several workers racing for the half-open probe exactly one wins; a
 * lost race on recording a result is simply retried on the fresh state. Within a sweep the state
 * read is kept (sweep-cache.ts): a closed breaker lets attempts go, and a success on a clean
 * breaker is noted without a read. Another worker may have recorded a failure since the state
 * was read, which that success must clear (or four more would open the breaker after a success):
 * the note is taken into the next read this sweep makes of the breaker, which is made at least
 * once a second while its attempts go on (sweep-cache.ts MAX_AGE_MS), else by confirmSuccesses
 * (the sweep's lanes a second after the success, and its end). A read for every success would
 * add a read to nearly every attempt. Every change is made on a fresh read.
 * An admitted attempt carries the breaker's generation back to recordResult: its outcome is taken
 * for the state it went in, not the one it lands in (breaker.ts).
 */
const RACES = 8;

type Cache = Pick<SweepCache, 'breaker' | 'setBreaker' | 'noteSuccess' | 'noted' | 'forget' | 'postpone'>;

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

/**
 * The stored breaker (`stored`), and `state`: it with the successes this sweep noted for it taken
 * in (afterSuccessAt), to be written when it differs. `confirmed` forgets the note once `state`
 * is the stored one: read so, or written.
 */
async function readNoted(deps: Deps, tenant: string, subscriptionId: string, cache: Cache | undefined) {
  const stored = await read(deps, keys.breaker(tenant, subscriptionId));
  const note = cache?.noted(tenant, subscriptionId);
  if (!note) return { stored, state: stored.state, confirmed: () => {} };
  const { at } = note;
  return { stored, state: afterSuccessAt(stored.state, note.generation, at), confirmed: () => cache!.forget(note, at, deps.clock.now()) };
}

/** A fresh read of the breaker, kept, with the successes noted for it written when they change it. */
async function load(deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache: Cache | undefined): Promise<CachedBreaker> {
  let stored: CachedBreaker = { state: { ...INITIAL_BREAKER_STATE } };
  for (let i = 0; i < RACES; i++) {
    const noted = await readNoted(deps, tenant, subscriptionId, cache);
    stored = noted.stored;
    if (noted.state === stored.state || (await write(deps, keys.breaker(tenant, subscriptionId), noted.state, stored.version, opts))) {
      noted.confirmed();
      const kept = noted.state === stored.state ? stored : { state: noted.state };
      cache?.setBreaker(tenant, subscriptionId, kept);
      return kept;
    }
  }
  // The note stays for a later read.
  cache?.setBreaker(tenant, subscriptionId, undefined);
  deps.logger.warn('breaker update lost to contention', { subscriptionId });
  return stored;
}

/**
 * Confirms the successes this sweep noted (recordResult) whose first is at or before `before`
 * (epoch ms; all of them by default) against the stored breakers, a few at a time. Nothing to do,
 * the common case, answers at once. A failed read leaves the note for a later one.
 */
export function confirmSuccesses(deps: Deps, cache: Cache & Pick<SweepCache, 'dueSuccesses'>, opts: BreakerOptions, before = Infinity): Answer<void> {
  const due = cache.dueSuccesses(before);
  if (due.length === 0) return undefined;
  return (async () => {
    for (let i = 0; i < due.length; i += CONFIRM_AT_ONCE) {
      await Promise.all(due.slice(i, i + CONFIRM_AT_ONCE).map(async (n) => {
        try {
          await load(deps, n.tenant, n.subscriptionId, opts, cache);
        } catch (error) {
          deps.logger.warn('could not confirm a success against the stored breaker', { subscriptionId: n.subscriptionId, error });
        }
        // Still there: not confirmed (a failed read, lost races), due again in a while.
        cache.postpone(n, deps.clock.now());
      }));
    }
  })();
}
const CONFIRM_AT_ONCE = 32;

/** What the breaker-store functions answer: at once when the state kept in the sweep decides. */
type Answer<T> = T | Promise<T>;

/*
 * The three functions below are not async: on nearly every attempt the state kept in the sweep
 * answers them without a read, and an async function costs every attempt a promise and a turn
 * of the microtask queue, and its optimised code a resumable frame. Only a read or a write of
 * the store makes a promise; callers await either answer alike.
 */

/**
 * Whether the breaker holds attempts back now, read without taking anything (no probe; a write
 * only for a success this sweep noted that clears failures): `retryAt` when it does. Lets an
 * attempt be deferred before any work is spent on it.
 */
export function heldBack(
  deps: Deps, tenant: string, subscriptionId: string, opts: BreakerOptions, cache?: Cache,
): Answer<{ retryAt: number } | undefined> {
  const held = cache?.breaker(tenant, subscriptionId);
  if (held) return holds(deps, held.state, opts);
  return load(deps, tenant, subscriptionId, opts, cache).then((fresh) => holds(deps, fresh.state, opts));
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
    const { stored, state, confirmed } = await readNoted(deps, tenant, subscriptionId, cache);
    cache?.setBreaker(tenant, subscriptionId, stored);
    // A noted success only ever changes a closed breaker, which lets the attempt go: written below.
    const verdict = beforeAttempt(state, deps.clock.now(), opts);
    if (!verdict.allow || unchanged(verdict.state, stored.state)) {
      confirmed();
      return verdict.allow ? { allow: true, generation: generationOf(stored.state) } : verdict;
    }
    if (await write(deps, key, verdict.state, stored.version, opts)) {
      confirmed();
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
  // A success on a clean breaker changes nothing, whatever generation it went in. But the state
  // kept may be older than a failure another worker recorded since: noted, for the next read.
  if (success && kept && clean(kept.state)) {
    if (generation === generationOf(kept.state)) cache!.noteSuccess(tenant, subscriptionId, generation, deps.clock.now());
    return [];
  }
  return recordOnRead(deps, tenant, subscriptionId, success, generation, opts, cache);
}

async function recordOnRead(
  deps: Deps, tenant: string, subscriptionId: string, success: boolean, generation: number, opts: BreakerOptions, cache: Cache | undefined,
): Promise<BreakerEvent[]> {
  const key = keys.breaker(tenant, subscriptionId);
  for (let i = 0; i < RACES; i++) {
    // The successes noted earlier come first: this outcome is later than they are.
    const { stored, state, confirmed } = await readNoted(deps, tenant, subscriptionId, cache);
    const next = success && clean(state) ? { state, events: [] } : afterAttempt(state, deps.clock.now(), success, opts, generation);
    // A late outcome may change nothing: no write, and the version read stays good for the cache.
    if (next.state === stored.state) {
      confirmed();
      cache?.setBreaker(tenant, subscriptionId, stored);
      return next.events;
    }
    if (await write(deps, key, next.state, stored.version, opts)) {
      confirmed();
      cache?.setBreaker(tenant, subscriptionId, { state: next.state });
      return next.events;
    }
  }
  cache?.setBreaker(tenant, subscriptionId, undefined);
  deps.logger.warn('breaker update lost to contention', { subscriptionId });
  return [];
}
