import { decodeSignature, header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatch, utf8Keys } from './parts';

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`, keyed with the app's
 * client secret (or the store's webhook signing secret for webhooks made in the admin).
 * Duplicates are recognized by X-Shopify-Webhook-Id, the topic is X-Shopify-Topic.
 * https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
 *
 * Both header names are configurable: Shopify Events (developer preview) sends the same scheme
 * as Shopify-Hmac-Sha256 and Shopify-Webhook-Id.
 */
export const SHOPIFY_HEADER = 'X-Shopify-Hmac-Sha256';
export const SHOPIFY_ID_HEADER = 'X-Shopify-Webhook-Id';

export function shopifyVerifier(config: VendorConfig<'shopify'>): SyncVerifier {
  const keys = utf8Keys(config, 'shopify');
  const name = config.header ?? SHOPIFY_HEADER;
  const idName = config.idHeader ?? SHOPIFY_ID_HEADER;
  return ({ headers, body }) => {
    const value = header(headers, name);
    if (value === undefined) throw missingSignature(name);
    const given = decodeSignature(value, 'base64');
    const match = given?.byteLength === 32 ? hmacMatch(keys, 'sha256', '', body, [given]) : undefined;
    if (match === undefined) throw invalidSignature();
    // The id header is not signed: the signature is a replay key too.
    return { deliveryId: header(headers, idName), event: header(headers, 'x-shopify-topic'), signature: match.toString('base64') };
  };
}
