import { dpopFromCache } from './dpop-authorize';
import { requestToken, type TokenClient } from './token-endpoint';
import { bearerFromCache, tokenCache } from './token-cache';
import type { ConnectorAuth } from './types';

/**
 * OAuth 2.0 client credentials grant (RFC 6749 section 4.4): Microsoft Graph (scope
 * `https://graph.microsoft.com/.default`), Auth0 (with `audience`), Okta service apps
 * (private_key_jwt, DPoP), ServiceNow. The token is cached per transport and renewed early
 * (token-cache.ts). The client proves itself with a secret, or with `clientAuth: private_key_jwt`
 * and a private key (private-key-jwt.ts); with `dpop` its tokens are bound to a key pair (dpop.ts).
 */
export interface ClientCredentialsOptions extends TokenClient {
  scopes?: readonly string[];
  /** Auth0 and others name the API the token is for (https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow). */
  audience?: string;
  /** Further form fields the server wants (e.g. `resource`). */
  params?: Record<string, string>;
}

export function clientCredentialsAuth(opts: ClientCredentialsOptions): ConnectorAuth {
  if (!URL.canParse(opts.tokenUrl)) throw new TypeError('client credentials: tokenUrl must be an absolute URL');
  const byKey = opts.clientAuth === 'private_key_jwt';
  if (byKey && (!opts.privateKey || opts.clientSecret !== undefined)) throw new TypeError('client credentials: private_key_jwt takes a private key and no client secret');
  if (!byKey && opts.clientSecret === undefined) throw new TypeError('client credentials: a client secret is required');
  const params: Record<string, string> = { ...opts.params, grant_type: 'client_credentials' };
  if (opts.scopes?.length) params.scope = opts.scopes.join(' ');
  if (opts.audience) params.audience = opts.audience;
  const fix = byKey ? 'check the client id, key and key id of' : 'check the client id and secret of';
  const cache = tokenCache((ctx) => requestToken(ctx, opts, params, `${fix} ${ctx.connector}`));
  const dpop = opts.dpop;

  return {
    type: 'oauth2-client-credentials',
    authorize: (ctx, request) => (dpop ? dpopFromCache(cache, dpop, ctx, request) : bearerFromCache(cache, ctx)),
    secrets: () => [opts.clientSecret ?? '', ...(opts.privateKey?.secrets ?? []), cache.current()?.accessToken ?? ''],
  };
}
