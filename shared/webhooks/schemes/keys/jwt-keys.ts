import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { errors } from '../../../errors';
import type { JwtAlgorithm } from './config';
import { importRsaPublicKey, strongRsa } from './rsa';

/**
 * Keys of the jwt scheme, imported once and sorted by what they may verify. Each algorithm family
 * only ever sees keys of its own type: an HS256 token is checked against the configured HMAC
 * secrets and nothing else, so a public key can never serve as an HMAC secret (the classic
 * RS256/HS256 key-confusion attack; https://datatracker.ietf.org/doc/html/rfc8725#section-2.1).
 */
export interface StaticKey {
  key: KeyObject;
  kid?: string;
}

type Kind = { type: 'secret'; bytes: number } | { type: 'rsa' } | { type: 'ec'; curve: string } | { type: 'ed25519' };

export function algorithmKind(alg: JwtAlgorithm): Kind {
  if (alg.startsWith('HS')) return { type: 'secret', bytes: Number(alg.slice(2)) / 8 };
  if (alg.startsWith('RS') || alg.startsWith('PS')) return { type: 'rsa' };
  if (alg === 'ES256') return { type: 'ec', curve: 'prime256v1' };
  if (alg === 'ES384') return { type: 'ec', curve: 'secp384r1' };
  if (alg === 'ES512') return { type: 'ec', curve: 'secp521r1' };
  return { type: 'ed25519' };
}

/** Whether a key may verify tokens of this kind. */
export function fits(key: KeyObject, kind: Kind): boolean {
  if (kind.type === 'secret') return key.type === 'secret';
  if (key.type !== 'public') return false;
  if (kind.type === 'ec') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === kind.curve;
  return key.asymmetricKeyType === kind.type;
}

function importJwk(text: string): StaticKey {
  let jwk: JsonWebKey & { kid?: unknown };
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    throw errors.config('jwt: a publicKeys entry is neither PEM nor JWK JSON');
  }
  if (jwk.kty === 'oct') throw errors.config('jwt: give HMAC keys as secrets, not publicKeys');
  if (jwk.d !== undefined) throw errors.config('jwt: publicKeys holds a private JWK; give the public key only');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw errors.config('jwt: a publicKeys JWK could not be imported');
  }
  // RSA keys below 2048 bits are refused as for a PEM (RFC 7518 section 3.3).
  if (key.asymmetricKeyType === 'rsa') strongRsa(key, 'jwt');
  return typeof jwk.kid === 'string' ? { key, kid: jwk.kid } : { key };
}

function importPem(pem: string): StaticKey {
  if (/PRIVATE KEY/.test(pem)) throw errors.config('jwt: publicKeys holds a private key; give the public key only');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw errors.config('jwt: a publicKeys entry is not a PEM public key or certificate');
  }
  // RSA keys below 2048 bits are refused, as RFC 7518 section 3.3 requires.
  return { key: key.asymmetricKeyType === 'rsa' ? importRsaPublicKey(pem, 'jwt') : key };
}

export function importPublicKeys(texts: readonly string[]): StaticKey[] {
  return texts.map((t) => (t.trimStart().startsWith('{') ? importJwk(t) : importPem(t)));
}

/** HMAC secrets; RFC 7518 section 3.2: a key at least as long as the hash output (32 bytes for HS256). */
export function importSecrets(secrets: readonly string[], algorithms: readonly JwtAlgorithm[]): StaticKey[] {
  const need = Math.max(0, ...algorithms.map(algorithmKind).map((k) => (k.type === 'secret' ? k.bytes : 0)));
  return secrets.map((s) => {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.byteLength < need) throw errors.config(`jwt: HMAC secrets must be at least ${need} bytes for the configured algorithms`);
    return { key: createSecretKey(bytes) };
  });
}

/** The static keys that may verify a token with this alg and kid (a key without kid fits any kid). */
export function candidates(keys: readonly StaticKey[], alg: JwtAlgorithm, kid: string | undefined): KeyObject[] {
  const kind = algorithmKind(alg);
  return keys.filter((k) => fits(k.key, kind) && (kid === undefined || k.kid === undefined || k.kid === kid)).map((k) => k.key);
}
