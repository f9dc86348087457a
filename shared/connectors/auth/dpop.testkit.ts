import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, type JWK, type JWTPayload, jwtVerify } from 'jose';

/**
 * The server side of DPoP for stand-in servers in tests: checks a proof the way RFC 9449 section
 * 4.3 lists (and section 7.1 for `ath`), with jose. Throws an Error naming the first failed check.
 */
export interface ProofExpectations {
  method: string;
  /** The `htu` the server derives from the request it received. */
  htu: string;
  nowMs: number;
  /** Every `jti` accepted so far: a repeated one is a replay. */
  seen: Set<string>;
  /** The access token sent with the proof: `ath` must be its hash. */
  accessToken?: string;
}

export interface VerifiedProof {
  payload: JWTPayload & { htm?: unknown; htu?: unknown; ath?: unknown; nonce?: unknown };
  jwk: JWK;
  /** RFC 7638 thumbprint of the proof's key: a bound token's `cnf.jkt` must equal it. */
  jkt: string;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
/** How far `iat` may be from the server's clock. */
const IAT_WINDOW_SEC = 60;

export const sha256url = (text: string): string => createHash('sha256').update(text, 'ascii').digest('base64url');

export async function verifyProof(header: string | string[] | undefined, x: ProofExpectations): Promise<VerifiedProof> {
  if (typeof header !== 'string' || header === '') throw new Error('the DPoP proof JWT header is missing (or repeated)');
  const protectedHeader = decodeProtectedHeader(header);
  const { typ, alg, jwk } = protectedHeader as { typ?: string; alg?: string; jwk?: JWK };
  if (typ !== 'dpop+jwt') throw new Error(`typ is ${typ}, not dpop+jwt`);
  if (!alg || !ASYMMETRIC.includes(alg)) throw new Error(`alg ${alg} is not an asymmetric signature algorithm`);
  if (!jwk || typeof jwk !== 'object') throw new Error('the jwk header is missing');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new Error('the jwk header holds a private key');
  const { payload } = await jwtVerify(header, await importJWK(jwk, alg), { typ: 'dpop+jwt', algorithms: [alg], currentDate: new Date(x.nowMs) });
  if (payload.htm !== x.method) throw new Error(`htm is ${String(payload.htm)}, the request's method ${x.method}`);
  if (payload.htu !== x.htu) throw new Error(`htu is ${String(payload.htu)}, the request's ${x.htu}`);
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - x.nowMs / 1000) > IAT_WINDOW_SEC) throw new Error(`iat ${payload.iat} is not within ${IAT_WINDOW_SEC} s of now`);
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Error('jti is missing');
  if (x.seen.has(payload.jti)) throw new Error(`jti ${payload.jti} was used before (a replayed proof)`);
  x.seen.add(payload.jti);
  if (x.accessToken !== undefined && payload.ath !== sha256url(x.accessToken)) throw new Error('ath is not the hash of the access token');
  if (x.accessToken === undefined && payload.ath !== undefined) throw new Error('ath without an access token');
  return { payload, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}
