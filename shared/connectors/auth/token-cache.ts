import type { IssuedToken } from './token-endpoint';
import type { AuthContext, Authorization } from './types';

/**
 * An access token held in memory and renewed before it expires: at the later of 80 % of its
 * lifetime and 60 s before expiry, so long-lived tokens are not wasted and short-lived ones are
 * still renewed ahead of time. Concurrent callers share one token request. While a renewal fails
 * and the old token is still valid, the old one is used. After a 401 the token that was refused is
 * dropped (only if it is still the cached one: a burst of 401s costs one renewal, not one each).
 */
export interface CachedToken {
  token: IssuedToken;
  expiresAt: number;
  refreshAt: number;
}

/** Lifetime assumed when a server omits expires_in (RFC 6749 section 5.1 only recommends it). */
export const DEFAULT_LIFETIME_SEC = 300;
const EARLY_MS = 60_000;
const EARLY_FRACTION = 0.2;

export function tokenCache(issue: (ctx: AuthContext) => Promise<IssuedToken>) {
  let cached: CachedToken | undefined;
  let pending: Promise<CachedToken> | undefined;

  const renew = (ctx: AuthContext): Promise<CachedToken> => {
    pending ??= issue(ctx)
      .then((token) => {
        const now = ctx.clock.now();
        const lifetime = (token.expiresInSec ?? DEFAULT_LIFETIME_SEC) * 1000;
        cached = { token, expiresAt: now + lifetime, refreshAt: now + lifetime - Math.min(EARLY_MS, lifetime * EARLY_FRACTION) };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    async get(ctx: AuthContext): Promise<CachedToken> {
      const now = ctx.clock.now();
      if (cached && now < cached.refreshAt) return cached;
      const stale = cached;
      try {
        return await renew(ctx);
      } catch (e) {
        if (stale && ctx.clock.now() < stale.expiresAt && stale === cached) return stale;
        throw e;
      }
    },
    /** Drops `accessToken` if it is still cached. */
    drop(accessToken: string): void {
      if (cached?.token.accessToken === accessToken) cached = undefined;
    },
    current: (): IssuedToken | undefined => cached?.token,
  };
}

/**
 * The authorize step of every OAuth2 auth: the cached access token as a Bearer header (RFC 6750:
 * whatever the token_type's case, the scheme is Bearer), dropped from the cache when the API
 * answers 401 so the transport retries once with a fresh one.
 */
export async function bearerFromCache(cache: { get(ctx: AuthContext): Promise<{ token: { accessToken: string } }>; drop(accessToken: string): void }, ctx: AuthContext): Promise<Authorization> {
  const { token } = await cache.get(ctx);
  return {
    headers: { authorization: `Bearer ${token.accessToken}` },
    reject: () => {
      cache.drop(token.accessToken);
      return true;
    },
  };
}
