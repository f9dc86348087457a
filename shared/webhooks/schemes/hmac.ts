import { createHmac } from 'node:crypto';
import { sourceSecrets } from '../../config/secrets';
import type { VerifyConfig } from '../../config/schema';
import { errors } from '../../errors';
import {
  checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingHeader,
  missingSignature, prepareKeys, safeEqual,
} from '../timing-safe';
import { feed, parseTemplate } from '../template';
import type { SyncVerifier } from '../types';

/**
 * A configurable HMAC scheme for senders with no scheme of their own (Stripe-like, Slack-like,
 * in-house): one header with `<prefix><hex|base64 HMAC>`, optionally a timestamp header that is
 * checked against a replay window and can be signed along with the body via `signedContent`.
 */
export type HmacVerifyConfig = Extract<VerifyConfig, { scheme: 'hmac' }>;

export function hmacVerifier(config: HmacVerifyConfig): SyncVerifier {
  const keys = prepareKeys(sourceSecrets(config).map((s) => Buffer.from(s, 'utf8')), 'hmac');
  const parts = parseTemplate(config.signedContent, 'hmac', { timestamp: Boolean(config.timestampHeader), id: Boolean(config.idHeader) });
  const { algorithm, encoding, prefix, timestampHeader, idHeader } = config;
  const needsId = parts.some((p) => p.kind === 'id');
  if (config.toleranceSeconds !== undefined && !timestampHeader) throw errors.config('hmac toleranceSeconds needs a timestampHeader');
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const digestBytes = algorithm === 'sha512' ? 64 : 32;

  return ({ headers, body, now }) => {
    const value = header(headers, config.header);
    if (value === undefined) throw missingSignature(config.header);
    const timestamp = timestampHeader ? header(headers, timestampHeader) : undefined;
    if (timestampHeader) checkTimestamp(timestamp, timestampHeader, now, tolerance);
    const id = idHeader ? header(headers, idHeader) : undefined;
    if (needsId && id === undefined) throw missingHeader(idHeader!);
    const given = value.startsWith(prefix) ? decodeSignature(value.slice(prefix.length), encoding) : undefined;
    if (given === undefined || given.byteLength !== digestBytes) throw invalidSignature();
    for (const key of keys) {
      // Each part goes to update() as it is: the body bytes are never decoded or copied.
      const mac = createHmac(algorithm, key);
      feed(mac, parts, { body, timestamp, id });
      if (safeEqual(mac.digest(), given)) {
        // Unless the id is part of the signed content, a replay could change it: the signature is
        // a replay key too.
        const signature = needsId ? undefined : given.toString(encoding);
        return { deliveryId: id, signature, toleranceSeconds: timestampHeader ? tolerance : undefined };
      }
    }
    throw invalidSignature();
  };
}
