import { createHash } from 'node:crypto';
import { AppError } from '../../errors';
import type { Clock, StateStore } from '../../ports';
import type { ActionLimit } from './config';

/**
 * The cap on disruptive identity actions, kept in the state store so every function instance
 * counts against the same window. The item holds the times of the actions counted in the last
 * `perSeconds` (a sliding log, at most `actions` entries): unlike a token bucket, which refills
 * one action at a time, it guarantees at most `actions` in ANY window of that length, which is
 * what an operator reading "20 an hour" expects. Every write is conditional on the version read
 * (or on absence), so two instances cannot both take the last slot.
 */
export type Reservation =
  | { ok: true; count: number }
  /** `retryAt`: epoch ms when enough counted actions leave the window. */
  | { ok: false; count: number; retryAt: number };

const MAX_RACES = 8;
const SAFE = /^[A-Za-z0-9_.-]{1,128}$/;

/** The store key of a destination's window; a name that could break the key layout is digested. */
export const limitKey = (destination: string): string =>
  `identity-limit:${SAFE.test(destination) ? destination : `~${createHash('sha256').update(destination, 'utf8').digest('hex').slice(0, 32)}`}`;

/** One counted action: when, and for which event (`by`: the caller's token; '' for windows written before tokens). */
interface Counted { at: number; by: string }

/**
 * The counted actions of a stored window, oldest first: `at` holds the times, `by` beside it the
 * token of each. Anything else (a manual edit, a truncated write) counts as none.
 */
function entries(value: string | undefined): Counted[] {
  try {
    const { at, by } = JSON.parse(value ?? '{}') as { at?: unknown; by?: unknown };
    if (!Array.isArray(at)) return [];
    const tokens = Array.isArray(by) ? by : [];
    return at.flatMap((t, i): Counted[] => (typeof t === 'number' && Number.isFinite(t) ? [{ at: t, by: typeof tokens[i] === 'string' ? tokens[i] : '' }] : []))
      .sort((a, b) => a.at - b.at);
  } catch {
    return [];
  }
}

/**
 * Counts `n` actions now if they fit in the window, all or none: an event's actions (suspend and
 * clear sessions) are taken together or refused together, never half done. Under contention it
 * retries on the fresh state; past MAX_RACES lost races it throws a retryable error rather than
 * let the actions through: a guard against floods must not open under one.
 *
 * `token` names what is counted (the destination, event and user): the same token again while its
 * actions are in the window passes without being counted twice. A redelivered event (the provider
 * failed, the router retries) must not use up the cap: ten events retried five times during an
 * outage would otherwise refuse every action for the rest of the hour.
 */
export async function reserve(store: StateStore, clock: Clock, key: string, limit: ActionLimit, n: number, token = ''): Promise<Reservation> {
  const windowMs = limit.perSeconds * 1000;
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const now = clock.now();
    const item = await store.get(key);
    const live = entries(item?.value).filter((e) => e.at > now - windowMs);
    if (token !== '' && live.some((e) => e.by === token)) return { ok: true, count: live.length };
    if (live.length + n > limit.actions) {
      // The oldest entries leave first; the one that frees the n-th missing slot sets the time.
      const freeing = live[live.length + n - limit.actions - 1]?.at;
      return { ok: false, count: live.length, retryAt: freeing === undefined ? now + windowMs : freeing + windowMs };
    }
    // Never record a time before the latest one: an instance whose clock is behind would
    // otherwise make its actions leave the window early.
    const at = Math.max(now, live.at(-1)?.at ?? now);
    const counted = [...live, ...Array.from({ length: n }, () => ({ at, by: token }))];
    const next = JSON.stringify({ at: counted.map((e) => e.at), by: counted.map((e) => e.by) });
    const opts = { ttlSeconds: limit.perSeconds + 1 };
    const written = item ? await store.put(key, next, { ...opts, ifVersion: item.version }) : await store.put(key, next, { ...opts, ifAbsent: true });
    if (written) return { ok: true, count: live.length + n };
  }
  throw new AppError('identity_limit_unavailable', 'The identity action limit could not be updated under contention; the event is retried', { status: 503, retryable: true, expose: false });
}
