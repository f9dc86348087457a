import { ConnectorError } from '../errors';
import type { RefreshTokenStore } from './refresh-token-store';
import { bearerFromCache, tokenCache } from './token-cache';
import { requestToken, type TokenClient } from './token-endpoint';
import type { AuthContext, ConnectorAuth } from './types';

/**
 * OAuth 2.0 refresh token grant (RFC 6749 section 6) for APIs that act as a user who authorized
 * the connector once. Access tokens are cached and renewed early (token-cache.ts); each renewal
 * reads the refresh token from the store (another instance may have rotated it) and, when the
 * server rotates it, saves the new one before the access token is used. If that save fails the new
 * token stays in memory, the call fails, and the next renewal redeems and saves it again.
 */
export interface RefreshTokenOptions extends TokenClient {
  store: RefreshTokenStore;
  /** Narrower scopes than first granted, if wanted (section 6: must not exceed the original grant). */
  scopes?: readonly string[];
}

export function refreshTokenAuth(opts: RefreshTokenOptions): ConnectorAuth {
  if (!URL.canParse(opts.tokenUrl)) throw new TypeError('refresh token: tokenUrl must be an absolute URL');
  let unsaved: string | undefined;
  let lastUsed: string | undefined;

  async function issue(ctx: AuthContext) {
    const current = unsaved ?? (await opts.store.load());
    if (!current) {
      throw new ConnectorError('connector_auth_failed', `${ctx.connector}: no refresh token is stored; authorize ${ctx.connector} and store its refresh token`, { connector: ctx.connector });
    }
    lastUsed = current;
    const params: Record<string, string> = { grant_type: 'refresh_token', refresh_token: current };
    if (opts.scopes?.length) params.scope = opts.scopes.join(' ');
    const token = await requestToken(ctx, opts, params, `the refresh token of ${ctx.connector} expired or was revoked; authorize ${ctx.connector} again`);
    if (token.refreshToken && token.refreshToken !== current) {
      unsaved = token.refreshToken;
      lastUsed = unsaved;
      await opts.store.save(unsaved);
      unsaved = undefined;
    }
    return token;
  }

  const cache = tokenCache(issue);
  return {
    type: 'oauth2-refresh-token',
    authorize: (ctx) => bearerFromCache(cache, ctx),
    secrets: () => [opts.clientSecret ?? '', lastUsed ?? '', unsaved ?? '', cache.current()?.accessToken ?? '', cache.current()?.refreshToken ?? ''],
  };
}
