import { createHash, createHmac } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { decodeSignature, header, invalidSignature, missingSignature, safeEqual } from '../../timing-safe';
import type { SyncVerifier, VerifyInput } from '../../types';
import type { VendorConfig } from './config';
import { utf8Keys } from './parts';
import { signedForm } from './twilio-form';
import { configuredUrl, queryOf, splitUrl } from './twilio-parts';

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
 *
 * The request URL reaches us as the WHATWG URL parser normalized it (every adapter builds a
 * Request), which percent-encodes some query characters Twilio signed as they were (`'` becomes
 * `%27`). twilio-node's last fallback serves exactly that case: the query re-encoded by Node's
 * legacy querystring module, which leaves `'` as it is. It is tried too, after the URL as received.
 */
const FORM = 'application/x-www-form-urlencoded';

/**
 * Canonical base64 of 20 bytes (an HMAC-SHA1), the only form decodeSignature accepts for one: 26
 * digits, a 27th whose two low bits are zero (it carries the last byte's low 4 bits), and '='.
 * Checked up front, it spares decodeSignature's re-encoding of the decoded bytes.
 */
const SHA1_BASE64 = /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/;
const SHA1_BYTES = 20;

// The signature given and the one computed, as bytes for safeEqual, in buffers reused by every call
// (verification is synchronous). digest() allocates a Buffer, slowly: digest('binary') (a string,
// one latin1 char per byte) written here costs a tenth of the verification less.
const given = Buffer.alloc(SHA1_BYTES);
const mac = Buffer.alloc(SHA1_BYTES);

/** Whether the signature covers form parameters after the URL (else the URL alone). */
function signsForm(input: VerifyInput, query: string): boolean {
  const { headers, body } = input;
  if (query.includes('bodySHA256')) {
    const expected = new URLSearchParams(query).get('bodySHA256');
    const hash = expected === null ? undefined : decodeSignature(expected, 'hex');
    if (hash === undefined || !safeEqual(createHash('sha256').update(body).digest(), hash)) throw invalidSignature();
    return false;
  }
  const type = headers.get('content-type');
  // The exact type, as Twilio sends it, is checked first: it skips the split, trim and lowercase.
  if (type === FORM || type?.split(';', 1)[0]!.trim().toLowerCase() === FORM) return true;
  // Nothing would sign this body: a form request re-labelled, or a JSON body stripped of its hash.
  if (body.byteLength > 0) throw invalidSignature();
  return false;
}

/** The URLs a request may have been signed at (UTF-8, without its port then with it) and its query. */
interface Target {
  urls: Buffer[];
  query: string;
}

/** A query (`?` included) as twilio-node's withLegacyQuerystring re-encodes it; '' and '?' unchanged. */
function legacyQuery(query: string): string {
  return query.length <= 1 ? query : `?${stringifyQuery(parseQuery(query.slice(1)))}`;
}

export function twilioVerifier(config: VendorConfig<'twilio'>): SyncVerifier {
  const keys = utf8Keys(config, 'twilio');
  const fixed = configuredUrl(config.url);
  const targetOf = (url: string): Target | undefined => {
    const query = queryOf(url);
    const hash = url.indexOf('#');
    const parts = fixed ? { ...fixed, rest: fixed.rest + query } : splitUrl(hash === -1 ? url : url.slice(0, hash));
    if (!parts) return undefined;
    const urls = [Buffer.from(parts.bare + parts.rest), Buffer.from(parts.withPort + parts.rest)];
    const legacy = legacyQuery(query);
    if (legacy !== query && parts.rest.endsWith(query)) {
      const rest = parts.rest.slice(0, parts.rest.length - query.length) + legacy;
      urls.push(Buffer.from(parts.bare + rest), Buffer.from(parts.withPort + rest));
    }
    return { urls, query };
  };
  // The last request's: an endpoint is requested at one URL over and over.
  let last: { url: string; target: Target | undefined } | undefined;
  return (input) => {
    const value = header(input.headers, 'x-twilio-signature');
    if (value === undefined) throw missingSignature('X-Twilio-Signature');
    if (!SHA1_BASE64.test(value)) throw invalidSignature();
    given.write(value, 'base64');
    if (last?.url !== input.url) last = { url: input.url, target: targetOf(input.url) };
    const { target } = last;
    if (target === undefined) throw invalidSignature();
    const form = signsForm(input, target.query);
    for (const url of target.urls) {
      // The URL and the parameters, in one buffer; built again only for the second URL.
      const signed = form ? signedForm(input.body, url) : url;
      for (const key of keys) {
        mac.write(createHmac('sha1', key).update(signed).digest('binary'), 'binary');
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
