import type { Clock, StateStore } from '../ports';
import { MAX_TTL_SECONDS } from '../store/text-and-ttl';

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
 * Tokens are sums of float fractions (0.7 a second for 1429 ms, ...), which can fall a few ulps
 * short of a whole token that is due: such a shortfall is rounding, not a missing token.
 */
const ROUNDING = 1e-9;

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
  // A bucket under one token never lets anything through; a rate of 0 or less never refills.
  if (!(limit.perSecond > 0 && Number.isFinite(limit.perSecond) && limit.burst >= 1 && Number.isFinite(limit.burst))) {
    throw new RangeError('token bucket: perSecond must be a positive number and burst at least 1');
  }
  // A rate so slow that refilling outlasts what a store keeps (shared/store/text-and-ttl.ts) keeps the bucket that long.
  const ttlSeconds = Math.min(MAX_TTL_SECONDS, Math.max(1, Math.ceil(limit.burst / limit.perSecond) + 1));
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const now = clock.now();
    const item = await store.get(key);
    const prior = item ? (JSON.parse(item.value) as BucketState) : { tokens: limit.burst, at: now };
    const tokens = Math.min(limit.burst, prior.tokens + (Math.max(0, now - prior.at) / 1000) * limit.perSecond);
    if (tokens < 1 - ROUNDING) {
      // At most the bucket's life: by then it is gone, and full.
      return { ok: false, retryAfterSeconds: Math.min(ttlSeconds, Math.max(1, Math.ceil((1 - tokens) / limit.perSecond))) };
    }
    // Never move the refill time back: a take by a clock behind the last one (another instance's,
    // or one NTP stepped back) would otherwise hand the gap between them out again as tokens.
    const next = JSON.stringify({ tokens: Math.max(0, tokens - 1), at: Math.max(now, prior.at) } satisfies BucketState);
    const written = item
      ? await store.put(key, next, { ttlSeconds, ifVersion: item.version })
      : await store.put(key, next, { ttlSeconds, ifAbsent: true });
    if (written) return { ok: true };
  }
  return { ok: false, retryAfterSeconds: 1 };
}
