import { createHash, createHmac } from 'node:crypto';
import { decodeSignature, header, invalidSignature, missingSignature, safeEqual } from '../../timing-safe';
import type { SyncVerifier, VerifyInput } from '../../types';
import type { VendorConfig } from './config';
import { utf8Keys } from './parts';
import { configuredUrl, formData, queryOf, splitUrl, type UrlParts } from './twilio-parts';

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` keyed with the account's auth token, over
 * the full URL Twilio requested followed, for a form body, by every POST parameter (sorted by
 * name, name and value appended). A JSON body is not signed as parameters: Twilio adds
 * `bodySHA256=<hex SHA-256 of the body>` to the query, the URL with it is signed, and the body
 * must hash to it. https://www.twilio.com/docs/usage/webhooks/webhooks-security
 *
 * Twilio signs the URL entered in its console, so a configured `url` replaces the scheme, host,
 * port and path the request arrived with (proxies rewrite them); the query is the request's. As
 * twilio-node does, the URL is tried without its port and then with it (:443/:80 by default).
 * The delivery id is I-Twilio-Idempotency-Token when sent; otherwise there is no id and replays
 * are deduplicated on the signature (Twilio signs no timestamp).
 */
const SHA1_BYTES = 20;

/** What a request's signature covers after its URL: the form parameters, or '' (URL alone). */
function signedParams(input: VerifyInput, query: string): string {
  const { headers, body } = input;
  if (query.includes('bodySHA256')) {
    const expected = new URLSearchParams(query).get('bodySHA256');
    const given = expected === null ? undefined : decodeSignature(expected, 'hex');
    if (given === undefined || !safeEqual(createHash('sha256').update(body).digest(), given)) throw invalidSignature();
    return '';
  }
  const type = headers.get('content-type')?.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return formData(body);
  // Nothing would sign this body: a form request re-labelled, or a JSON body stripped of its hash.
  if (body.byteLength > 0) throw invalidSignature();
  return '';
}

export function twilioVerifier(config: VendorConfig<'twilio'>): SyncVerifier {
  const keys = utf8Keys(config, 'twilio');
  const fixed = configuredUrl(config.url);
  return (input) => {
    const value = header(input.headers, 'x-twilio-signature');
    if (value === undefined) throw missingSignature('X-Twilio-Signature');
    const given = decodeSignature(value, 'base64');
    if (given?.byteLength !== SHA1_BYTES) throw invalidSignature();
    const query = queryOf(input.url);
    let parts: UrlParts | undefined;
    if (fixed) parts = { ...fixed, rest: fixed.rest + query };
    else {
      const hash = input.url.indexOf('#');
      parts = splitUrl(hash === -1 ? input.url : input.url.slice(0, hash));
    }
    if (parts === undefined) throw invalidSignature();
    const data = signedParams(input, query);
    for (const key of keys) {
      for (const origin of [parts.bare, parts.withPort]) {
        const mac = createHmac('sha1', key).update(origin).update(parts.rest).update(data).digest();
        if (safeEqual(mac, given)) {
          const token = header(input.headers, 'i-twilio-idempotency-token');
          // The idempotency token is not signed: the signature is a replay key too.
          return token === undefined ? { signature: value } : { deliveryId: token, signature: value };
        }
      }
    }
    throw invalidSignature();
  };
}
