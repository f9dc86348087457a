import { createHmac, type KeyObject, verify } from 'node:crypto';
import { sourceSecrets } from '../../config/secrets';
import type { VerifyConfig } from '../../config/schema';
import { errors } from '../../errors';
import {
  checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingId,
  missingSignature, prepareKeys, safeEqual,
} from '../timing-safe';
import type { SyncVerifier } from '../types';
import { decodeStandardPublicKey } from './keys/ed25519';

/**
 * Standard Webhooks: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * `webhook-signature` holds space-separated `<version>,<base64>` entries over
 * `${webhook-id}.${webhook-timestamp}.${body}`: `v1` is HMAC-SHA256 with a `whsec_` secret, `v1a`
 * is Ed25519 with a `whpk_` public key (`publicKeys`). Either kind of key, or both, may be
 * configured; entries of a version without keys and unknown versions are skipped, and only the
 * first MAX_V1A_SIGNATURES v1a entries are checked.
 */
export type StandardWebhooksVerifyConfig = Extract<VerifyConfig, { scheme: 'standard-webhooks' }>;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SHA256_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

/** `whsec_` + base64 key; like the reference library, a secret without the prefix is base64 too. */
export function decodeStandardSecret(secret: string): Buffer {
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (text.length === 0 || !BASE64.test(text)) {
    // Never echo the secret, not even a part of it.
    throw errors.config('A standard-webhooks secret must be "whsec_" followed by base64');
  }
  return Buffer.from(text, 'base64');
}

/**
 * The most v1a entries checked. Each costs an Ed25519 verification per public key, and 16 KiB of
 * headers (Node's limit) hold about 175 entries: one unauthenticated request would buy as many.
 * A sender signs once per key it rolls through, so a handful at most. v1 needs no cap, as in the
 * reference library and the other HMAC schemes (Stripe, PagerDuty): one HMAC per secret, whatever
 * the number of entries, each compared in constant time.
 */
export const MAX_V1A_SIGNATURES = 10;

/**
 * The signatures of one version in a header, decoded once; malformed entries are skipped like
 * unknown versions. At most `limit` + 1 are kept: one past the limit says the header has more.
 */
function signatures(value: string, tag: 'v1,' | 'v1a,', bytes: number, limit = Infinity): Buffer[] {
  const found: Buffer[] = [];
  // Scanned in place rather than split(' '): one array fewer per request.
  for (let start = 0, end = 0; start < value.length && found.length <= limit; start = end + 1) {
    end = value.indexOf(' ', start);
    if (end === -1) end = value.length;
    if (!value.startsWith(tag, start)) continue;
    const sig = decodeSignature(value.slice(start + tag.length, end), 'base64');
    if (sig?.byteLength === bytes) found.push(sig);
  }
  return found;
}

/**
 * Ed25519 signs the whole message at once (no streaming), so prefix and body are joined here.
 * Only the first MAX_V1A_SIGNATURES entries are checked; when none of them verifies and the header
 * has more, the answer says so.
 */
function verifyV1a(keys: KeyObject[], given: Buffer[], prefix: string, body: Uint8Array): boolean {
  const checked = given.slice(0, MAX_V1A_SIGNATURES);
  const message = Buffer.concat([Buffer.from(prefix), body]);
  if (keys.some((key) => checked.some((sig) => verify(null, message, key, sig)))) return true;
  if (given.length > MAX_V1A_SIGNATURES) throw tooManySignatures();
  return false;
}

const tooManySignatures = () =>
  errors.unauthorized('too_many_signatures', `No signature matches the request among the first ${MAX_V1A_SIGNATURES} v1a entries of webhook-signature; later ones are not checked`);

export function standardWebhooksVerifier(config: StandardWebhooksVerifyConfig): SyncVerifier {
  const secrets = sourceSecrets(config);
  const publicKeys = (config.publicKeys ?? []).map(decodeStandardPublicKey);
  if (secrets.length === 0 && publicKeys.length === 0) throw errors.config('The standard-webhooks verifier needs secret, secrets or publicKeys');
  const keys = secrets.length > 0 ? prepareKeys(secrets.map(decodeStandardSecret), 'standard-webhooks') : [];
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return ({ headers, body, now }) => {
    const value = header(headers, 'webhook-signature');
    if (value === undefined) throw missingSignature('webhook-signature');
    const id = header(headers, 'webhook-id');
    if (id === undefined) throw missingId('webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    checkTimestamp(timestamp, 'webhook-timestamp', now, tolerance);
    const v1 = keys.length > 0 ? signatures(value, 'v1,', SHA256_BYTES) : [];
    const v1a = publicKeys.length > 0 ? signatures(value, 'v1a,', ED25519_SIGNATURE_BYTES, MAX_V1A_SIGNATURES) : [];
    if (v1.length === 0 && v1a.length === 0) throw invalidSignature();
    // One string for the prefix: fewer native calls than updating id, '.', timestamp, '.' apart.
    const prefix = `${id}.${timestamp}.`;
    for (const key of v1.length > 0 ? keys : []) {
      const mac = createHmac('sha256', key).update(prefix).update(body).digest();
      for (const sig of v1) if (safeEqual(mac, sig)) return { deliveryId: id, toleranceSeconds: tolerance };
    }
    if (v1a.length > 0 && verifyV1a(publicKeys, v1a, prefix, body)) return { deliveryId: id, toleranceSeconds: tolerance };
    throw invalidSignature();
  };
}
