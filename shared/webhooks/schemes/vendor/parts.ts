import { createHmac, type KeyObject } from 'node:crypto';
import { sourceSecrets } from '../../../config/secrets';
import { errors } from '../../../errors';
import { decodeSignature, missingHeader, prepareKeys, safeEqual } from '../../timing-safe';

/**
 * What the vendor schemes share beyond timing-safe.ts: keys from the secrets' text, one HMAC
 * loop over keys and candidate signatures, `k=v,k=v` signature lists, and the RFC 3339 replay
 * window for vendors that stamp a date-time instead of Unix seconds.
 */

/** Every vendor here keys its HMAC with the secret's UTF-8 text (Stripe's `whsec_` included). */
export const utf8Keys = (config: { secret?: string; secrets?: string[] }, scheme: string): KeyObject[] =>
  prepareKeys(sourceSecrets(config).map((s) => Buffer.from(s, 'utf8')), scheme);

/**
 * HMAC of `prefix` + body under each key, compared in constant time with each candidate; returns
 * the matching digest (callers derive the replay key from it) or undefined. The prefix is one
 * string, so a timestamped scheme costs one update() more than a body-only one.
 */
export function hmacMatch(
  keys: readonly KeyObject[], algorithm: 'sha1' | 'sha256', prefix: string, body: Uint8Array, given: readonly Buffer[],
): Buffer | undefined {
  for (const key of keys) {
    const digest = hmacOf(key, algorithm, prefix, body);
    if (matchesAny(digest, given)) return digest;
  }
  return undefined;
}

const hmacOf = (key: KeyObject, algorithm: 'sha1' | 'sha256', prefix: string, body: Uint8Array): Buffer => {
  const mac = createHmac(algorithm, key);
  if (prefix.length > 0) mac.update(prefix);
  return mac.update(body).digest();
};
const matchesAny = (digest: Buffer, given: readonly Buffer[]) => given.some((g) => safeEqual(digest, g));

/**
 * hmacMatch for the headers that carry several signatures while a secret rolls (Stripe,
 * PagerDuty): on a match, the HMAC under every configured key, in configuration order. A captured
 * request replayed with one of its signatures dropped then has the same replay keys and event ids
 * as the original: they never depend on which of its signatures was kept. With one key this costs
 * what hmacMatch does.
 */
export function hmacMatchEvery(
  keys: readonly KeyObject[], algorithm: 'sha1' | 'sha256', prefix: string, body: Uint8Array, given: readonly Buffer[],
): Buffer[] | undefined {
  const macs = keys.map((key) => hmacOf(key, algorithm, prefix, body));
  return macs.some((digest) => matchesAny(digest, given)) ? macs : undefined;
}

/**
 * The decoded `<version>=<hex>` entries of a comma-separated list (Stripe-Signature,
 * X-PagerDuty-Signature), scanned in place. Other versions and malformed entries are skipped, as
 * the vendors' own libraries do; an entry with trailing junk does not decode and is skipped too.
 */
export function versionedHex(value: string, version: string, bytes: number): Buffer[] {
  const found: Buffer[] = [];
  const tag = `${version}=`;
  for (let start = 0, end = 0; start < value.length; start = end + 1) {
    end = value.indexOf(',', start);
    if (end === -1) end = value.length;
    if (!value.startsWith(tag, start)) continue;
    const sig = decodeSignature(value.slice(start + tag.length, end), 'hex');
    if (sig?.byteLength === bytes) found.push(sig);
  }
  return found;
}

/** The value of the last `<key>=` entry of a comma-separated list (Stripe's library keeps the last `t=`). */
export function lastEntry(value: string, key: string): string | undefined {
  let found: string | undefined;
  const tag = `${key}=`;
  for (let start = 0, end = 0; start < value.length; start = end + 1) {
    end = value.indexOf(',', start);
    if (end === -1) end = value.length;
    if (value.startsWith(tag, start)) found = value.slice(start + tag.length, end);
  }
  return found;
}

// RFC 3339 section 5.6 date-time, upper-case T and Z as Zendesk sends them.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The replay window of checkTimestamp (same codes, whole seconds, the boundary accepted) for a
 * sender that stamps an RFC 3339 date-time such as Zendesk's `2021-07-25T10:00:00Z`.
 */
export function checkDateTime(value: string | undefined, name: string, nowMs: number, toleranceSeconds: number): asserts value is string {
  if (value === undefined) throw missingHeader(name);
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw errors.unauthorized('timestamp_invalid', `The ${name} header is not an RFC 3339 date-time`);
  const age = Math.floor(nowMs / 1000) - Math.floor(ms / 1000);
  if (age > toleranceSeconds) {
    throw errors.unauthorized('timestamp_too_old', `The webhook timestamp is more than ${toleranceSeconds} s old`);
  }
  if (-age > toleranceSeconds) {
    throw errors.unauthorized('timestamp_too_new', `The webhook timestamp is more than ${toleranceSeconds} s in the future`);
  }
}
