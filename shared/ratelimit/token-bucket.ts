import type { Clock, StateStore } from '../ports';

export interface BucketLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the largest burst allowed after a quiet period. */
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface BucketState {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

const MAX_RACES = 8;

/**
 * Token bucket kept in the state store, so every function instance shares it. A take reads the
 * bucket, refills it for the time passed, and writes it back with a conditional put (version or
 * absence): a concurrent take that wrote first makes us retry on the fresh state. Each lost race
 * is a token another take spent, and a round of conditional puts settles one take only, so after
 * MAX_RACES lost races the take is refused (Retry-After 1 s) rather than let through unmetered:
 * heavy contention on one bucket is a flood, the very load the limiter exists for, and letting
 * every loser through would admit any number of concurrent requests past the burst.
 * Buckets expire once they would be full again, so idle clients leave nothing behind.
 */
export async function take(store: StateStore, clock: Clock, key: string, limit: BucketLimit): Promise<TakeResult> {
  const ttlSeconds = Math.max(1, Math.ceil(limit.burst / limit.perSecond) + 1);
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const now = clock.now();
    const item = await store.get(key);
    const prior = item ? (JSON.parse(item.value) as BucketState) : { tokens: limit.burst, at: now };
    const tokens = Math.min(limit.burst, prior.tokens + (Math.max(0, now - prior.at) / 1000) * limit.perSecond);
    if (tokens < 1) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limit.perSecond)) };
    }
    // Never move the refill time back: a take by a clock behind the last one (another instance's,
    // or one NTP stepped back) would otherwise hand the gap between them out again as tokens.
    const next = JSON.stringify({ tokens: tokens - 1, at: Math.max(now, prior.at) } satisfies BucketState);
    const written = item
      ? await store.put(key, next, { ttlSeconds, ifVersion: item.version })
      : await store.put(key, next, { ttlSeconds, ifAbsent: true });
    if (written) return { ok: true };
  }
  return { ok: false, retryAfterSeconds: 1 };
}
