import { createHmac } from 'node:crypto';
import { sourceSecrets } from '../../config/secrets';
import type { VerifyConfig } from '../../config/schema';
import { decodeSignature, header, invalidSignature, missingSignature, prepareKeys, safeEqual } from '../timing-safe';
import type { SyncVerifier } from '../types';

export type GithubVerifyConfig = Extract<VerifyConfig, { scheme: 'github' }>;

const SIGNATURE = 'x-hub-signature-256';
const PREFIX = 'sha256=';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
 * secret's UTF-8 bytes. The legacy SHA-1 `X-Hub-Signature` is ignored.
 * https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function githubVerifier(config: GithubVerifyConfig): SyncVerifier {
  const keys = prepareKeys(sourceSecrets(config).map((s) => Buffer.from(s, 'utf8')), 'github');
  return ({ headers, body }) => {
    const value = header(headers, SIGNATURE);
    if (value === undefined) throw missingSignature('X-Hub-Signature-256');
    const given = value.startsWith(PREFIX) ? decodeSignature(value.slice(PREFIX.length), 'hex') : undefined;
    if (given === undefined || given.byteLength !== 32) throw invalidSignature();
    for (const key of keys) {
      if (safeEqual(createHmac('sha256', key).update(body).digest(), given)) {
        // X-GitHub-Delivery is not signed, so a replay could change it: the signature is a replay key too.
        return { deliveryId: header(headers, 'x-github-delivery'), event: header(headers, 'x-github-event'), signature: given.toString('hex') };
      }
    }
    throw invalidSignature();
  };
}
