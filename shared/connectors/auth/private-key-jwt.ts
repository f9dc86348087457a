import { createPrivateKey, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * private_key_jwt client authentication (RFC 7523 section 2.2, OpenID Connect Core section 9):
 * instead of a secret, each token request carries a JWT signed with the client's private key,
 * whose public key the server holds. Okta requires it for service apps that get `okta.*` scopes
 * (https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/#create-and-sign-the-jwt).
 */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Okta accepts an `exp` at most an hour ahead; a token request needs seconds. */
const ASSERTION_LIFETIME_SEC = 300;
const EC_ALGORITHMS: Record<string, 'ES256' | 'ES384' | 'ES512'> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export interface ClientKey {
  key: KeyObject;
  alg: 'RS256' | 'ES256' | 'ES384' | 'ES512';
  kid?: string;
  /** The key as configured and its parts, for scrubbing (never sent anywhere). */
  secrets: readonly string[];
}

/** Messages name the problem, never the key (nor a parser message, which may quote it). */
const refuse = (why: string): never => {
  throw new TypeError(`private_key_jwt: ${why}`);
};

interface Read {
  key: KeyObject;
  kid?: string;
  parts: string[];
}

function fromJwk(text: string): Read {
  let jwk: JsonWebKey & { kid?: unknown };
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    return refuse('the private key is neither PEM nor JWK JSON');
  }
  if (typeof jwk.d !== 'string') refuse('the JWK is a public key; give the private JWK (with "d")');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    return refuse('the private JWK could not be imported');
  }
  const parts = PRIVATE_JWK_MEMBERS.map((m) => jwk[m]).filter((v): v is string => typeof v === 'string');
  return typeof jwk.kid === 'string' ? { key, kid: jwk.kid, parts } : { key, parts };
}

function fromPem(text: string): Read {
  // A PEM passed through an environment variable often arrives with literal "\n".
  const pem = text.includes('\n') ? text : text.replace(/\\n/g, '\n');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) refuse('encrypted private keys are not supported; store the key unencrypted in a secret');
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) refuse('the private key is neither a PEM private key (BEGIN PRIVATE KEY) nor a private JWK');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return refuse('the PEM private key could not be read');
  }
  const body = pem.replace(/-----[A-Z ]+-----/g, '').split(/\s+/).filter((l) => l.length >= 16);
  return { key, parts: [...body, body.join('')] };
}

function algorithmOf(key: KeyObject): ClientKey['alg'] {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    // RFC 7518 section 3.3; Okta's keys are 2048 bits or more.
    if ((details.modulusLength ?? 0) < 2048) refuse('RSA keys must have at least 2048 bits');
    return 'RS256';
  }
  const ec = key.asymmetricKeyType === 'ec' ? EC_ALGORITHMS[details.namedCurve ?? ''] : undefined;
  return ec ?? refuse('the key must be RSA (RS256) or EC on P-256, P-384 or P-521 (ES256, ES384, ES512)');
}

/**
 * Reads the client's private key: PKCS#8 PEM (PKCS#1 and SEC1 PEM work too) or a private JWK as
 * JSON, whose `kid` is used unless `keyId` is given. Throws a TypeError that never quotes the key.
 */
export function clientKey(text: string, keyId?: string): ClientKey {
  const trimmed = text.trim();
  const read = trimmed.startsWith('{') ? fromJwk(trimmed) : fromPem(trimmed);
  return { key: read.key, alg: algorithmOf(read.key), kid: keyId ?? read.kid, secrets: [text, trimmed, ...read.parts] };
}

/** A fresh client assertion: iss = sub = client id, aud = the token endpoint, a random jti, 5 minutes. */
export function clientAssertion(key: ClientKey, clientId: string, tokenUrl: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader(key.kid === undefined ? { alg: key.alg } : { alg: key.alg, kid: key.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_SEC)
    .sign(key.key);
}
