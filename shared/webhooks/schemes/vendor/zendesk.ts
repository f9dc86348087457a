import { DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { checkDateTime, hmacMatch, utf8Keys } from './parts';

/**
 * Zendesk: `X-Zendesk-Webhook-Signature: base64(HMACSHA256(TIMESTAMP + BODY))`, the timestamp
 * being X-Zendesk-Webhook-Signature-Timestamp with no separator, keyed with the webhook's signing
 * secret text. https://developer.zendesk.com/documentation/webhooks/verifying/
 *
 * The timestamp is RFC 3339 (`2021-03-25T05:09:27Z`), not Unix seconds; it is signed, so the
 * replay window (default 300 s) holds. The delivery id is X-Zendesk-Webhook-Invocation-Id:
 * X-Zendesk-Webhook-Id names the webhook itself and is the same on every request
 * (https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/).
 */
const TIMESTAMP = 'X-Zendesk-Webhook-Signature-Timestamp';

export function zendeskVerifier(config: VendorConfig<'zendesk'>): SyncVerifier {
  const keys = utf8Keys(config, 'zendesk');
  const toleranceSeconds = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return ({ headers, body, now }) => {
    const value = header(headers, 'x-zendesk-webhook-signature');
    if (value === undefined) throw missingSignature('X-Zendesk-Webhook-Signature');
    const timestamp = header(headers, TIMESTAMP);
    checkDateTime(timestamp, TIMESTAMP, now, toleranceSeconds);
    const given = decodeSignature(value, 'base64');
    const match = given?.byteLength === 32 ? hmacMatch(keys, 'sha256', timestamp, body, [given]) : undefined;
    if (match === undefined) throw invalidSignature();
    // The invocation id is not signed: within the window the signature is a replay key too.
    return { deliveryId: header(headers, 'x-zendesk-webhook-invocation-id'), signature: match.toString('base64'), toleranceSeconds };
  };
}
