import { decodeSignature, header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatch, utf8Keys } from './parts';

/**
 * Sentry integration platform: `Sentry-Hook-Signature: <hex HMAC-SHA256>` keyed with the
 * integration's Client Secret. https://docs.sentry.io/organization/integrations/integration-platform/webhooks/
 *
 * The doc's sample hashes JSON.stringify(request.body); Sentry itself signs the exact string it
 * sends (SentryApp.build_signature(self.body) over the json.dumps() body, in getsentry/sentry),
 * so the raw bytes are verified: the same digest for Sentry's compact JSON, and still right
 * where a re-serialization would differ. Request-ID is the delivery id, Sentry-Hook-Resource the
 * event. Sentry-Hook-Timestamp is not signed, so it is not checked: an attacker could rewrite it,
 * and a window on it would only refuse honest deliveries from a skewed clock.
 */
export function sentryVerifier(config: VendorConfig<'sentry'>): SyncVerifier {
  const keys = utf8Keys(config, 'sentry');
  return ({ headers, body }) => {
    const value = header(headers, 'sentry-hook-signature');
    if (value === undefined) throw missingSignature('Sentry-Hook-Signature');
    const given = decodeSignature(value, 'hex');
    const match = given?.byteLength === 32 ? hmacMatch(keys, 'sha256', '', body, [given]) : undefined;
    if (match === undefined) throw invalidSignature();
    // The id header is not signed: the signature is a replay key too.
    return { deliveryId: header(headers, 'request-id'), event: header(headers, 'sentry-hook-resource'), signature: match.toString('hex') };
  };
}
