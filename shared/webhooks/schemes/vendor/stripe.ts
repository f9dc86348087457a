import { errors } from '../../../errors';
import { checkTimestamp, DEFAULT_TOLERANCE_SECONDS, header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatchEvery, lastEntry, utf8Keys, versionedHex } from './parts';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>,v1=<hex>,v0=...`, each v1 an HMAC-SHA256 of
 * `${t}.${raw body}` keyed with the endpoint secret's text (`whsec_...` as is). Several v1 values
 * appear while a secret rolls; v0 (test-mode legacy) is ignored, as in stripe-node.
 * https://docs.stripe.com/webhooks#verify-manually
 *
 * Stricter than stripe-node: t must be whole Unix seconds (it parseInt()s), and a timestamp more
 * than the tolerance in the future is refused too (it checks the past only). Stripe sends no
 * delivery id header (the event id is in the body), so replays are deduplicated on the signature
 * (the HMAC under each configured secret, whichever v1 matched); Stripe's own retries are
 * re-signed with a new t and are told apart by the event id only.
 */
const HEADER = 'stripe-signature';

export function stripeVerifier(config: VendorConfig<'stripe'>): SyncVerifier {
  const keys = utf8Keys(config, 'stripe');
  const toleranceSeconds = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return ({ headers, body, now }) => {
    const value = header(headers, HEADER);
    if (value === undefined) throw missingSignature('Stripe-Signature');
    const t = lastEntry(value, 't');
    if (t === undefined) throw errors.unauthorized('timestamp_missing', 'The Stripe-Signature header has no t= timestamp');
    checkTimestamp(t, 'Stripe-Signature t', now, toleranceSeconds);
    const given = versionedHex(value, 'v1', 32);
    if (given.length === 0) throw invalidSignature();
    const macs = hmacMatchEvery(keys, 'sha256', `${t}.`, body, given);
    if (macs === undefined) throw invalidSignature();
    const signatures = macs.map((m) => m.toString('hex'));
    return { signature: signatures[0], signatures, toleranceSeconds };
  };
}
