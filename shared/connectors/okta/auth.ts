import { errors } from '../../errors';
import { clientCredentialsAuth } from '../auth/client-credentials';
import { dpop } from '../auth/dpop';
import { type ClientKey, clientKey } from '../auth/private-key-jwt';
import { apiTokenAuth } from '../auth/static';
import type { ConnectorAuth } from '../auth/types';
import type { OktaConnection } from './config';

/** The org authorization server's token endpoint, the only one that issues `okta.*` scopes. */
export const oktaTokenUrl = (baseUrl: string): string => `${new URL(baseUrl).origin}/oauth2/v1/token`;

/**
 * The `htu` Okta accepts: it compares the request path percent-decoded, so a proof for
 * `/api/v1/users/a%40example.com` must name `/api/v1/users/a@example.com`
 * (https://github.com/okta/okta-sdk-java/pull/1526, https://github.com/okta/okta-sdk-python/issues/541).
 */
export function oktaHtu(url: URL): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape is sent as it is; Okta answers for it.
  }
  return `${url.origin}${path}`;
}

function readKey(name: string, text: string, keyId: string | undefined): ClientKey {
  try {
    return clientKey(text, keyId);
  } catch (e) {
    // The message never quotes the key (private-key-jwt.ts).
    const at = `destinations.${name}.oauth.privateKey`;
    throw errors.config(`${at}: ${(e as Error).message.replace(/^private_key_jwt: /, '')}`, at);
  }
}

/**
 * `Authorization: SSWS <apiToken>`, or for `oauth` the client credentials grant with a
 * private_key_jwt assertion (iss = sub = client id, aud = the token URL) and, unless `dpop: false`,
 * DPoP: Okta answers the first proof with `use_dpop_nonce`, the request is repeated with the nonce,
 * and the token is sent as `Authorization: DPoP` with a proof per request
 * (https://developer.okta.com/docs/guides/dpop/oktaresourceserver/main/).
 */
export function oktaAuth(name: string, c: OktaConnection): ConnectorAuth {
  if (c.oauth === undefined) {
    if (c.apiToken === undefined) throw errors.config(`destinations.${name}: give apiToken or oauth`, `destinations.${name}`);
    return apiTokenAuth({ token: c.apiToken, scheme: 'SSWS' });
  }
  return clientCredentialsAuth({
    tokenUrl: oktaTokenUrl(c.baseUrl),
    clientId: c.oauth.clientId,
    clientAuth: 'private_key_jwt',
    privateKey: readKey(name, c.oauth.privateKey, c.oauth.keyId),
    scopes: c.oauth.scopes,
    dpop: c.oauth.dpop ? dpop({ htu: oktaHtu }) : undefined,
  });
}
