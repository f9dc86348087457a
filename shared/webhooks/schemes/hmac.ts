import { createHmac } from 'node:crypto';
import { sourceSecrets } from '../../config/secrets';
import type { VerifyConfig } from '../../config/schema';
import { feed, templatedSignature } from '../template';
import { invalidSignature, prepareKeys, safeEqual } from '../timing-safe';
import type { SyncVerifier } from '../types';

/**
 * A configurable HMAC scheme for senders with no scheme of their own (Stripe-like, Slack-like,
 * in-house): one header with `<prefix><hex|base64 HMAC>`, optionally a timestamp header that is
 * checked against a replay window and can be signed along with the body via `signedContent`.
 */
export type HmacVerifyConfig = Extract<VerifyConfig, { scheme: 'hmac' }>;

export function hmacVerifier(config: HmacVerifyConfig): SyncVerifier {
  const keys = prepareKeys(sourceSecrets(config).map((s) => Buffer.from(s, 'utf8')), 'hmac');
  const { parts, read, verified } = templatedSignature(config, 'hmac');
  const digestBytes = config.algorithm === 'sha512' ? 64 : 32;

  return ({ headers, body, now }) => {
    const { timestamp, id, given } = read({ headers, now });
    if (given === undefined || given.byteLength !== digestBytes) throw invalidSignature();
    for (const key of keys) {
      // Each part goes to update() as it is: the body bytes are never decoded or copied.
      const mac = createHmac(config.algorithm, key);
      feed(mac, parts, { body, timestamp, id });
      if (safeEqual(mac.digest(), given)) return verified(id, given);
    }
    throw invalidSignature();
  };
}
