import { createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { errors } from '../errors';

/**
 * What every scheme shares: constant-time comparison, strict decoding of a signature taken from a
 * header, and the replay window check on a sender's timestamp. Nothing here ever puts a secret or
 * an expected signature into an error message.
 */

/** Constant-time equality. The length check first is required by timingSafeEqual and leaks only the length. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * Secrets as HMAC keys, prepared once at build time. A KeyObject never prints its bytes if it ends
 * up in a log. A verifier without keys would reject everything: fail at cold start instead.
 */
export function prepareKeys(secrets: Uint8Array[], scheme: string): KeyObject[] {
  if (secrets.length === 0) throw errors.config(`The ${scheme} verifier needs secret or secrets`);
  return secrets.map((s) => createSecretKey(s));
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Decodes a signature from a header, or undefined when it is not strictly encoded. Buffer.from is
 * lenient (it stops at the first bad hex pair and skips junk in base64), so trailing garbage or a
 * non-canonical base64 form would otherwise decode to the right bytes and pass.
 */
export function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  if (encoding === 'hex') return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.byteLength > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

/** A header value, with an empty value treated as absent. */
export function header(headers: Headers, name: string): string | undefined {
  return headers.get(name) || undefined;
}

/** Default replay window, both directions: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const UNIX_SECONDS = /^\d{1,15}$/;

/**
 * Checks a Unix-seconds timestamp header against the injected clock (`nowMs`, epoch ms). Whole
 * seconds, as the reference library does: exactly `toleranceSeconds` old or ahead is accepted.
 */
export function checkTimestamp(value: string | undefined, name: string, nowMs: number, toleranceSeconds: number): asserts value is string {
  if (value === undefined) throw missingHeader(name);
  if (!UNIX_SECONDS.test(value)) throw errors.unauthorized('timestamp_invalid', 'The webhook timestamp is not an integer (Unix seconds)');
  const age = Math.floor(nowMs / 1000) - Number(value);
  if (age > toleranceSeconds) {
    throw errors.unauthorized('timestamp_too_old', `The webhook timestamp is more than ${toleranceSeconds} s old`);
  }
  if (-age > toleranceSeconds) {
    throw errors.unauthorized('timestamp_too_new', `The webhook timestamp is more than ${toleranceSeconds} s in the future`);
  }
}

export const missingSignature = (name: string) =>
  errors.unauthorized('signature_missing', `The ${name} header is missing`);
/** A required timestamp header is absent (code timestamp_missing). */
export const missingHeader = (name: string) => errors.unauthorized('timestamp_missing', `The ${name} header is missing`);
/** A required delivery id header is absent (code delivery_id_missing). */
export const missingId = (name: string) => errors.unauthorized('delivery_id_missing', `The ${name} header is missing`);
export const invalidSignature = () => errors.unauthorized('signature_invalid', 'No signature matches the request');
