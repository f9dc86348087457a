import { type Dpop, resourceNonceDemand } from './dpop';
import type { IssuedToken } from './token-endpoint';
import type { AuthContext, Authorization, AuthRequest } from './types';

interface Cache {
  get(ctx: AuthContext): Promise<{ token: IssuedToken }>;
  drop(accessToken: string): void;
}

/**
 * The authorize step of a DPoP-bound OAuth2 auth (RFC 9449 section 7.1): `Authorization: DPoP
 * <token>` and a fresh proof of this attempt's method and URL with the token's hash (`ath`).
 * After a 401 the transport retries once: with the nonce the API asked for (section 9), or else
 * with a new token. A server that ignored the proof issued a bearer token (section 5), sent as one.
 */
export async function dpopFromCache(cache: Cache, proofs: Dpop, ctx: AuthContext, request: AuthRequest | undefined): Promise<Authorization> {
  const { token } = await cache.get(ctx);
  const drop = () => {
    cache.drop(token.accessToken);
    return true;
  };
  if (token.tokenType.toLowerCase() !== 'dpop') return { headers: { authorization: `Bearer ${token.accessToken}` }, reject: drop };
  if (!request) throw new TypeError('DPoP: a proof needs the request method and URL');
  const proof = await proofs.proof({ method: request.method, url: request.url, accessToken: token.accessToken, nonce: proofs.nonces.resource }, ctx.clock.now());
  return {
    headers: { authorization: `DPoP ${token.accessToken}`, dpop: proof },
    reject(answer) {
      const nonce = answer && resourceNonceDemand(answer);
      if (nonce === undefined) return drop();
      proofs.nonces.resource = nonce;
      return true;
    },
  };
}
