import { header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatchEvery, utf8Keys, versionedHex } from './parts';

/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex>,v1=<hex>`, each an HMAC-SHA256 of the
 * raw body under one of the subscription's secrets (several during a rotation); any one matching
 * is enough. https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures
 * (source: github.com/PagerDuty/developer-docs, docs/webhooks/04-Signatures.md)
 *
 * X-Webhook-Id "is unique to the webhook but is repeated for each delivery attempt"
 * (docs/webhooks/02-Behavior.md, At-Least-Once Delivery): the delivery id.
 */
export function pagerdutyVerifier(config: VendorConfig<'pagerduty'>): SyncVerifier {
  const keys = utf8Keys(config, 'pagerduty');
  return ({ headers, body }) => {
    const value = header(headers, 'x-pagerduty-signature');
    if (value === undefined) throw missingSignature('X-PagerDuty-Signature');
    const given = versionedHex(value, 'v1', 32);
    const macs = given.length === 0 ? undefined : hmacMatchEvery(keys, 'sha256', '', body, given);
    if (macs === undefined) throw invalidSignature();
    // The id header is not signed: the signature is a replay key too, under every secret, so a
    // replay that keeps only one of a rotation's two v1 values is still recognised.
    const signatures = macs.map((m) => m.toString('hex'));
    return { deliveryId: header(headers, 'x-webhook-id'), signature: signatures[0], signatures };
  };
}
