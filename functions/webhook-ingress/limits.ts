import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { clientNetwork } from '../../shared/net/cidr';
import { take } from '../../shared/ratelimit/token-bucket';
import type { PreparedSource } from './source';

/**
 * Rate limits: one token bucket for the whole source and one per client (an IPv4 address or an
 * IPv6 /64), both in the state store so every instance shares them. Checked before the body is
 * read or verified, so a flood costs little. A store that cannot be reached, or stays throttled or
 * contended past its retries, reports an AppError (503 store_unavailable) that is answered as it
 * is: throttling and contention come with the floods the limiter is for. Any other failure of
 * the store lets the request go on: the limiter protects capacity, and replay protection (which
 * needs the store too) refuses on its own if the store is down.
 */
export async function checkRate(deps: Deps, source: PreparedSource, ip: string | undefined): Promise<void> {
  const limit = source.config.rateLimit;
  if (!limit) return;
  const base = `ratelimit:${source.config.tenant}:${source.id}`;
  try {
    // The client's bucket first: a client over its own limit must not drain the source's bucket.
    // An IPv6 client is counted by its /64, which it can send from any address of.
    const mine = ip !== undefined ? await take(deps.store, deps.clock, `${base}:${clientNetwork(ip)}`, limit.perClient ?? limit) : { ok: true as const };
    const result = mine.ok ? await take(deps.store, deps.clock, base, limit) : mine;
    if (!result.ok) {
      throw new AppError('rate_limited', 'Too many requests for this source; retry later', {
        status: 429,
        headers: { 'retry-after': String(result.retryAfterSeconds) },
        extra: { retryAfter: result.retryAfterSeconds },
      });
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    deps.logger.warn('rate limiter unavailable; request allowed', { source: source.id, error: e });
  }
}
