import { requestToken, type TokenClient } from './token-endpoint';
import { bearerFromCache, tokenCache } from './token-cache';
import type { ConnectorAuth } from './types';

/**
 * OAuth 2.0 client credentials grant (RFC 6749 section 4.4): Microsoft Graph (scope
 * `https://graph.microsoft.com/.default`), Auth0 (with `audience`), Okta service apps,
 * ServiceNow. The token is cached per transport and renewed early (token-cache.ts).
 */
export interface ClientCredentialsOptions extends TokenClient {
  clientSecret: string;
  scopes?: readonly string[];
  /** Auth0 and others name the API the token is for (https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow). */
  audience?: string;
  /** Further form fields the server wants (e.g. `resource`). */
  params?: Record<string, string>;
}

export function clientCredentialsAuth(opts: ClientCredentialsOptions): ConnectorAuth {
  if (!URL.canParse(opts.tokenUrl)) throw new TypeError('client credentials: tokenUrl must be an absolute URL');
  const params: Record<string, string> = { ...opts.params, grant_type: 'client_credentials' };
  if (opts.scopes?.length) params.scope = opts.scopes.join(' ');
  if (opts.audience) params.audience = opts.audience;
  const cache = tokenCache((ctx) => requestToken(ctx, opts, params, `check the client id and secret of ${ctx.connector}`));

  return {
    type: 'oauth2-client-credentials',
    authorize: (ctx) => bearerFromCache(cache, ctx),
    secrets: () => [opts.clientSecret, cache.current()?.accessToken ?? ''],
  };
}
