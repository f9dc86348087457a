import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { JwtAlgorithm } from './config';

/**
 * The JWS Compact Serialization signature check (RFC 7515 section 5.2) on node:crypto.
 *
 * Why not jose's jwtVerify for this step: jose 6 verifies through WebCrypto (`crypto.subtle`),
 * an asynchronous hop to the thread pool per token, which made a fresh RS256 token cost more than
 * four times a synchronous `crypto.verify`. Senders that sign a new token per delivery are the
 * common case, so the signature check is done here; jose still parses headers, imports and
 * fetches keys (JWKS), and serves as the oracle of the differential test (jwt-jws.test.ts), which
 * requires identical verdicts on valid, mutated and hostile tokens.
 */
export interface CompactJws {
  signingInput: Buffer;
  header: Record<string, unknown>;
  payload: Buffer;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function part(s: string): Buffer | undefined {
  return B64URL.test(s) && s.length % 4 !== 1 ? Buffer.from(s, 'base64url') : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits and decodes a compact JWS; undefined when it is not one (a malformed token). */
export function parseCompact(token: string): CompactJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = part(h);
  const payload = part(p);
  const signature = part(s);
  if (!headerBytes || !payload || !signature || h === '') return undefined;
  let header: unknown;
  try {
    header = JSON.parse(headerBytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(header)) return undefined;
  // "crit" lists extensions the verifier must understand (RFC 7515 section 4.1.11). We know none;
  // the one jose knows, "b64" (RFC 7797), is not allowed in a JWT. "b64" outside "crit" is ignored.
  if (header.crit !== undefined) return undefined;
  return { signingInput: Buffer.from(`${h}.${p}`, 'ascii'), header, payload, signature };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
/** ECDSA signatures are R || S, each the curve's size (RFC 7518 section 3.4). */
const EC_SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };

/** Whether `key` signed the token under `alg`. The caller has matched the key type to the alg. */
export function verifySignature(jws: CompactJws, alg: JwtAlgorithm, key: KeyObject): boolean {
  const { signingInput: data, signature: sig } = jws;
  const hash = HASH[alg.slice(2)];
  try {
    switch (alg.slice(0, 2)) {
      case 'HS': {
        const mac = createHmac(hash!, key).update(data).digest();
        return mac.length === sig.length && timingSafeEqual(mac, sig);
      }
      case 'RS':
        return verify(hash!, data, key, sig);
      case 'PS':
        // Salt as long as the hash (RFC 7518 section 3.5).
        return verify(hash!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }, sig);
      case 'ES':
        return sig.length === EC_SIGNATURE_BYTES[alg] && verify(hash!, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
      default: // EdDSA, Ed25519
        return verify(null, data, key, sig);
    }
  } catch {
    return false; // a signature node:crypto cannot even read is not a valid one
  }
}
