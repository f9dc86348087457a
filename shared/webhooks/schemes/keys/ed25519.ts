import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors } from '../../../errors';

/**
 * Standard Webhooks asymmetric keys: `whpk_` + base64 of the raw 32-byte Ed25519 public key
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
 * "Signature scheme"). Imported once through JWK (RFC 8037: kty OKP, crv Ed25519, x base64url).
 */
const PUBLIC_PREFIX = 'whpk_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ED25519_KEY_BYTES = 32;

export function decodeStandardPublicKey(text: string): KeyObject {
  const b64 = text.startsWith(PUBLIC_PREFIX) ? text.slice(PUBLIC_PREFIX.length) : undefined;
  const raw = b64 !== undefined && BASE64.test(b64) ? Buffer.from(b64, 'base64') : undefined;
  if (raw?.byteLength !== ED25519_KEY_BYTES) {
    // A secret key (whsk_/whsec_) pasted here must not end up in a message either.
    throw errors.config('A standard-webhooks public key must be "whpk_" followed by the base64 of 32 bytes');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}
