import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { VENDOR_SCHEMES } from './vendor-schemes';

/**
 * The signature schemes the property tests cover: ONE ENTRY PER SCHEME. Each entry is a source
 * configuration as written in secorch.yaml, a `sign` that produces the headers of a valid
 * delivery, and what the mutation model needs to know about those headers. Signing goes through
 * the vendor's own library wherever one is installed, so the product is checked against an
 * independent implementation, not against itself.
 *
 * The vendor schemes (Stripe, Twilio, Slack, Shopify, PagerDuty, Zendesk) are in ./vendor-schemes.ts.
 */

/** How a header takes part in verification, which decides what dropping or duplicating it does. */
export type Role =
  | 'signature' // carries the signature: dropping it is 401
  | 'signed' // part of the signed content or checked (timestamp, id): dropping or changing it is 401
  | 'unsigned' // informational: any change is still accepted
  | 'content-type'; // unsigned, but decides how the verified body is parsed

export interface SignOptions {
  /** The delivery id, for schemes that carry one. */
  id: string;
  /** Which secret signs (any configured one verifies; another one must not). */
  secret: string;
  /** The full URL the request is sent to, query included (Twilio signs it). */
  url: string;
}

export interface SchemeCase {
  /** Source id: POST /webhooks/{name}. */
  name: string;
  /** `verify:` of the source, as written in secorch.yaml. */
  verify: Record<string, unknown>;
  /** The configured secrets (rotation: each one must verify). */
  secrets: readonly [string, ...string[]];
  /** Any seed as a well-formed secret of this scheme (for the wrong-secret mutation). */
  secretFrom(seed: string): string;
  /** Headers of a valid delivery of `body` signed at `now` (epoch ms). Content type excluded. */
  sign(body: string, now: number, opts: SignOptions): Promise<Record<string, string>> | Record<string, string>;
  /** A query the sender adds to the URL it signs (`?` included), e.g. Twilio's bodySHA256 of a JSON body. */
  query?(body: string): string;
  signature: {
    header: string;
    /** Text before the encoded signature in the header value (a typical one where it varies). */
    prefix: string;
    /** Where the text before the signature varies per request (Stripe's `t=<timestamp>,v1=`): its pattern. */
    prefixPattern?: RegExp;
    encoding: 'hex' | 'base64';
    /**
     * Whether a duplicated header (Headers joins the copies with ", ") still verifies. Standard
     * Webhooks lists signatures space-separated: "v1,A, v1,A" holds the intact entry "v1,A".
     */
    duplicateAccepted: boolean;
    /**
     * Whether a verified request is recorded under its signature by every configured secret
     * (Stripe, PagerDuty, whose headers carry one signature per secret while a secret rolls): the
     * same content signed with another configured secret is then a replay too.
     */
    everySecret?: boolean;
  };
  /** A sender timestamp that is signed and checked against a tolerance window. */
  timestamp?: { header: string; toleranceSeconds: number };
  /**
   * The header carrying the sender's delivery id, if the scheme has one. Its role decides the
   * replay model (./sequence.ts): an unsigned id (or none) makes the signature a replay key too.
   */
  deliveryHeader?: string;
  /** The role of every header `sign` sets (lower case). */
  roles: Record<string, Role>;
}

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const seconds = (ms: number) => Math.floor(ms / 1000);

// Only the webhooks helpers are used: no API key is ever sent anywhere.
const stripe = new Stripe('sk_test_property_tests_only');

const GITHUB_SECRETS = ['gh-old-secret', 'gh-new-secret'] as const;
const SW_SECRETS = [`whsec_${base64('sw-old-key-0123456789abcdef')}`, `whsec_${base64('sw-new-key-0123456789abcdef')}`] as const;
const HMAC_ID_SECRETS = ['hmac-id-old', 'hmac-id-new'] as const;

export const SCHEMES: readonly SchemeCase[] = [
  {
    name: 'github',
    verify: { scheme: 'github', secrets: GITHUB_SECRETS },
    secrets: GITHUB_SECRETS,
    secretFrom: (seed) => `gh-${seed}`,
    sign: async (body, _now, { id, secret }) => ({
      'x-hub-signature-256': await octokitSign(secret, body),
      'x-github-delivery': id,
      'x-github-event': 'ping',
    }),
    signature: { header: 'x-hub-signature-256', prefix: 'sha256=', encoding: 'hex', duplicateAccepted: false },
    deliveryHeader: 'x-github-delivery',
    roles: { 'x-hub-signature-256': 'signature', 'x-github-delivery': 'unsigned', 'x-github-event': 'unsigned' },
  },
  {
    name: 'standard-webhooks',
    verify: { scheme: 'standard-webhooks', secrets: SW_SECRETS },
    secrets: SW_SECRETS,
    secretFrom: (seed) => `whsec_${base64(seed)}`,
    sign: (body, now, { id, secret }) => ({
      'webhook-id': id,
      'webhook-timestamp': String(seconds(now)),
      'webhook-signature': new Webhook(secret).sign(id, new Date(now), body),
    }),
    signature: { header: 'webhook-signature', prefix: 'v1,', encoding: 'base64', duplicateAccepted: true },
    timestamp: { header: 'webhook-timestamp', toleranceSeconds: 300 },
    deliveryHeader: 'webhook-id',
    roles: { 'webhook-signature': 'signature', 'webhook-id': 'signed', 'webhook-timestamp': 'signed' },
  },
  {
    // Stripe's layout in separate headers: hex HMAC-SHA256 of "{timestamp}.{body}", no delivery id.
    name: 'hmac',
    verify: { scheme: 'hmac', secret: 'hmac-secret', header: 'X-Signature', prefix: 'v1=', timestampHeader: 'X-Timestamp', signedContent: '{timestamp}.{body}' },
    secrets: ['hmac-secret'],
    secretFrom: (seed) => `hmac-${seed}`,
    sign: (body, now, { secret }) => {
      const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: seconds(now) });
      const v1 = /(?:^|,)v1=([0-9a-f]+)/.exec(stripeHeader)?.[1];
      if (!v1) throw new Error(`unexpected Stripe test header ${stripeHeader}`);
      return { 'x-signature': `v1=${v1}`, 'x-timestamp': String(seconds(now)) };
    },
    signature: { header: 'x-signature', prefix: 'v1=', encoding: 'hex', duplicateAccepted: false },
    timestamp: { header: 'x-timestamp', toleranceSeconds: 300 },
    roles: { 'x-signature': 'signature', 'x-timestamp': 'signed' },
  },
  {
    // base64 HMAC-SHA256 of "{id}.{timestamp}.{body}": Standard Webhooks' signed content, so its
    // library signs it (its key is the base64 of the secret's UTF-8 bytes).
    name: 'hmac-id',
    verify: {
      scheme: 'hmac', secrets: HMAC_ID_SECRETS, header: 'X-Webhook-Signature', encoding: 'base64',
      timestampHeader: 'X-Webhook-Timestamp', toleranceSeconds: 600, idHeader: 'X-Webhook-Id', signedContent: '{id}.{timestamp}.{body}',
    },
    secrets: HMAC_ID_SECRETS,
    secretFrom: (seed) => `hmac-id-${seed}`,
    sign: (body, now, { id, secret }) => ({
      'x-webhook-id': id,
      'x-webhook-timestamp': String(seconds(now)),
      'x-webhook-signature': new Webhook(base64(secret)).sign(id, new Date(now), body).slice('v1,'.length),
    }),
    signature: { header: 'x-webhook-signature', prefix: '', encoding: 'base64', duplicateAccepted: false },
    timestamp: { header: 'x-webhook-timestamp', toleranceSeconds: 600 },
    deliveryHeader: 'x-webhook-id',
    roles: { 'x-webhook-signature': 'signature', 'x-webhook-id': 'signed', 'x-webhook-timestamp': 'signed' },
  },
  ...VENDOR_SCHEMES,
];

/** A signature header's value as the text before the encoded signature and the signature. */
export function signatureParts(s: SchemeCase, value: string): { before: string; text: string } {
  const before = s.signature.prefixPattern?.exec(value)?.[0] ?? s.signature.prefix;
  return { before, text: value.slice(before.length) };
}

export const schemeNamed = (name: string): SchemeCase => {
  const s = SCHEMES.find((c) => c.name === name);
  if (!s) throw new Error(`no scheme case ${name}`);
  return s;
};

/** Headers every test delivery carries besides the scheme's own, and their roles. */
export const COMMON_ROLES: Record<string, Role> = { 'content-type': 'content-type', 'user-agent': 'unsigned' };

/** A small body limit on a second source per scheme, so 413 is reachable with small bodies. */
export const TINY_LIMIT = 64;

/**
 * Every source's dedupeTtlSeconds: shorter than the replay window of every scheme with timestamps
 * and than a sequence of deliveries (./sequence.ts says why).
 */
export const DEDUPE_TTL_SECONDS = 60;

/** The configuration the property tests run with: each scheme as `name` and as `name-tiny`. */
export const propertyConfig = {
  sources: Object.fromEntries(
    SCHEMES.flatMap((s) => [
      [s.name, { verify: s.verify, dedupeTtlSeconds: DEDUPE_TTL_SECONDS }],
      [`${s.name}-tiny`, { verify: s.verify, maxBodyBytes: TINY_LIMIT, dedupeTtlSeconds: DEDUPE_TTL_SECONDS }],
    ]),
  ),
};
