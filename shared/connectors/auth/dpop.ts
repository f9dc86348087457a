import { createHash, randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * OAuth 2.0 Demonstrating Proof of Possession (DPoP, RFC 9449): tokens are bound to a key pair
 * the client holds, and every token request and API call carries a fresh proof signed with it (a
 * JWT naming the request's method and URL, section 4.2), so a leaked access token is useless
 * without the key. One ES256 key pair per auth instance, made on first use and kept in memory
 * only; it is never the client-authentication key
 * (https://developer.okta.com/docs/guides/dpop/oktaresourceserver/main/).
 */
export interface DpopRequest {
  method: string;
  url: string | URL;
  /** The DPoP-bound access token sent with the request: its hash becomes `ath` (section 4.2). */
  accessToken?: string;
  /** The latest nonce the server asked for (sections 8 and 9). */
  nonce?: string;
}

export interface Dpop {
  /** A proof for one request attempt: never reused, each has its own `jti`. */
  proof(req: DpopRequest, nowMs: number): Promise<string>;
  /** The latest nonce of the token endpoint and of the API (each server keeps its own). */
  readonly nonces: { token?: string; resource?: string };
}

export interface DpopOptions {
  /**
   * The `htu` of a URL. Default: the URL without query and fragment (section 4.2). Servers
   * that compare a decoded request path can be given one here.
   */
  htu?: (url: URL) => string;
}

export const htuOf = (url: URL): string => `${url.origin}${url.pathname}`;

/** `ath`: base64url of the SHA-256 of the token's ASCII bytes (section 4.2). */
export const accessTokenHash = (token: string): string => createHash('sha256').update(token, 'ascii').digest('base64url');

export function dpop(o: DpopOptions = {}): Dpop {
  const htu = o.htu ?? htuOf;
  let keys: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined;
  const keyPair = () => {
    keys ??= generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => {
      const { kty, crv, x, y } = await exportJWK(publicKey);
      return { privateKey, jwk: { kty, crv, x, y } };
    });
    return keys;
  };

  return {
    nonces: {},
    async proof(req, nowMs) {
      const { privateKey, jwk } = await keyPair();
      const claims: Record<string, string> = { htm: req.method.toUpperCase(), htu: htu(new URL(req.url)) };
      if (req.accessToken !== undefined) claims.ath = accessTokenHash(req.accessToken);
      if (req.nonce !== undefined) claims.nonce = req.nonce;
      return new SignJWT(claims)
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
        .setJti(randomUUID())
        .setIssuedAt(Math.floor(nowMs / 1000))
        .sign(privateKey);
    },
  };
}

/** The nonce a response hands out (`DPoP-Nonce`, section 8.1), if any. */
export const nonceOf = (headers: Headers): string | undefined => headers.get('dpop-nonce') ?? undefined;

/**
 * A resource server's demand for a nonce (section 9): 401 with a DPoP challenge carrying
 * `error="use_dpop_nonce"` and the nonce in `DPoP-Nonce`. Returns the nonce.
 */
export function resourceNonceDemand(answer: { status: number; headers: Headers }): string | undefined {
  const challenge = answer.headers.get('www-authenticate') ?? '';
  if (answer.status !== 401 || !/(^|[\s,])DPoP\b/i.test(challenge) || !/\berror\s*=\s*"?use_dpop_nonce\b/i.test(challenge)) return undefined;
  return nonceOf(answer.headers);
}
