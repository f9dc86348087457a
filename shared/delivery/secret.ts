import { AppError } from '../errors';

/**
 * Signing secrets of outbound webhooks, serialised as the Standard Webhooks spec asks: `whsec_`
 * followed by the base64 key, "at least 24 bytes (192 bits, 512 maximum)".
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 * Randomness is injected (node:crypto's randomBytes in production) so the core stays deterministic.
 */
export const SECRET_PREFIX = 'whsec_';
/** What we generate: 256 bits, the HMAC-SHA256 block-size sweet spot. */
export const SECRET_BYTES = 32;
/** What we accept when decoding (the spec's range). */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

export type RandomBytes = (n: number) => Uint8Array;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A secret that cannot be used. The message never echoes the secret, not even a part of it.
 * 400: secrets reach us from the API (rotation, import) or unsealed from the store; the caller
 * of an engine path that unseals may rewrap it as an internal error.
 */
export const invalidSecret = (reason: string) =>
  new AppError('webhook_secret_invalid', `Invalid webhook signing secret: ${reason}`, { status: 400, retryable: false, expose: true });

/** A new secret: `whsec_` + base64 of 32 random bytes. Shown once to the user, then stored sealed. */
export function generateSecret(randomBytes: RandomBytes): string {
  const key = randomBytes(SECRET_BYTES);
  // A broken random source must never yield a short or constant-length-zero key silently.
  if (!(key instanceof Uint8Array) || key.byteLength !== SECRET_BYTES) {
    throw new AppError('internal_error', `randomBytes returned ${key?.byteLength} bytes, wanted ${SECRET_BYTES}`, { status: 500, expose: false });
  }
  return SECRET_PREFIX + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
}

/**
 * The HMAC key of a `whsec_` secret. Stricter than the reference library, which also takes a bare
 * base64 string and any length: the prefix is required (it says which scheme the key is for), the
 * base64 must be canonical and the key 24 to 64 bytes long.
 */
export function decodeSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) throw invalidSecret('it must start with "whsec_"');
  const text = secret.slice(SECRET_PREFIX.length);
  if (text.length === 0 || !BASE64.test(text)) throw invalidSecret('"whsec_" must be followed by base64');
  const key = Buffer.from(text, 'base64');
  // Canonical only: one key, one spelling (no stray bits in the last character).
  if (key.toString('base64') !== text) throw invalidSecret('the base64 is not canonical');
  if (key.byteLength < MIN_SECRET_BYTES || key.byteLength > MAX_SECRET_BYTES) {
    throw invalidSecret(`the key must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${key.byteLength}`);
  }
  return key;
}
