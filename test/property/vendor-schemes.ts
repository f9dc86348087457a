import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import twilio from 'twilio';
import type { SchemeCase } from './schemes';

/**
 * The vendor signature schemes the property tests cover, in the form ./schemes.ts describes.
 * Stripe and Twilio sign with their own SDKs (dev dependencies); Slack, Shopify, PagerDuty and
 * Zendesk have no signing library among the dev dependencies, so they sign as the vendors'
 * documentation spells the algorithm (linked on each entry), without shared/webhooks code.
 */

const seconds = (ms: number) => Math.floor(ms / 1000);
const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest();

// Only the webhooks helpers are used: no API key is ever sent anywhere.
const stripe = new Stripe('sk_test_property_tests_only');

const STRIPE_SECRETS = ['whsec_property_old_0123456789', 'whsec_property_new_0123456789'] as const;
const TWILIO_TOKENS = ['twilio-token-old-0123456789abcdef', 'twilio-token-new-0123456789abcdef'] as const;
const SLACK_SECRETS = ['slack-signing-old', 'slack-signing-new'] as const;
const SHOPIFY_SECRETS = ['shopify-client-old', 'shopify-client-new'] as const;
const PAGERDUTY_SECRETS = ['pagerduty-old', 'pagerduty-new'] as const;
const ZENDESK_SECRETS = ['zendesk-signing-old', 'zendesk-signing-new'] as const;

export const VENDOR_SCHEMES: readonly SchemeCase[] = [
  {
    // `Stripe-Signature: t=<unix>,v1=<hex>`, the timestamp inside the signature header.
    name: 'stripe',
    verify: { scheme: 'stripe', secrets: STRIPE_SECRETS },
    secrets: STRIPE_SECRETS,
    secretFrom: (seed) => `whsec_${seed}`,
    sign: (body, now, { secret }) => ({
      'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: seconds(now) }),
    }),
    // "t=X,v1=S, t=X,v1=S" still holds an intact t= and v1= entry.
    signature: { header: 'stripe-signature', prefix: 't=1767225600,v1=', prefixPattern: /^t=\d+,v1=/, encoding: 'hex', duplicateAccepted: true, everySecret: true },
    timestamp: { header: 'stripe-signature', toleranceSeconds: 300 },
    roles: { 'stripe-signature': 'signature' },
  },
  {
    // A JSON body: Twilio adds bodySHA256 to the query and signs the URL alone.
    name: 'twilio',
    verify: { scheme: 'twilio', secrets: TWILIO_TOKENS },
    secrets: TWILIO_TOKENS,
    secretFrom: (seed) => `twilio-${seed}`,
    query: (body) => `?bodySHA256=${twilio.getExpectedBodyHash(body)}`,
    sign: (_body, _now, { id, secret, url }) => ({
      'x-twilio-signature': twilio.getExpectedTwilioSignature(secret, url, {}),
      'i-twilio-idempotency-token': id,
    }),
    signature: { header: 'x-twilio-signature', prefix: '', encoding: 'base64', duplicateAccepted: false },
    deliveryHeader: 'i-twilio-idempotency-token',
    roles: { 'x-twilio-signature': 'signature', 'i-twilio-idempotency-token': 'unsigned' },
  },
  {
    // https://api.slack.com/authentication/verifying-requests-from-slack: hex HMAC-SHA256 of "v0:<ts>:<body>".
    name: 'slack',
    verify: { scheme: 'slack', secrets: SLACK_SECRETS },
    secrets: SLACK_SECRETS,
    secretFrom: (seed) => `slack-${seed}`,
    sign: (body, now, { secret }) => ({
      'x-slack-signature': `v0=${hmac(secret, `v0:${seconds(now)}:${body}`).toString('hex')}`,
      'x-slack-request-timestamp': String(seconds(now)),
    }),
    signature: { header: 'x-slack-signature', prefix: 'v0=', encoding: 'hex', duplicateAccepted: false },
    timestamp: { header: 'x-slack-request-timestamp', toleranceSeconds: 300 },
    roles: { 'x-slack-signature': 'signature', 'x-slack-request-timestamp': 'signed' },
  },
  {
    // https://shopify.dev/docs/apps/build/webhooks/verify-deliveries: base64 HMAC-SHA256 of the body.
    name: 'shopify',
    verify: { scheme: 'shopify', secrets: SHOPIFY_SECRETS },
    secrets: SHOPIFY_SECRETS,
    secretFrom: (seed) => `shopify-${seed}`,
    sign: (body, _now, { id, secret }) => ({
      'x-shopify-hmac-sha256': hmac(secret, body).toString('base64'),
      'x-shopify-webhook-id': id,
      'x-shopify-topic': 'orders/create',
    }),
    signature: { header: 'x-shopify-hmac-sha256', prefix: '', encoding: 'base64', duplicateAccepted: false },
    deliveryHeader: 'x-shopify-webhook-id',
    roles: { 'x-shopify-hmac-sha256': 'signature', 'x-shopify-webhook-id': 'unsigned', 'x-shopify-topic': 'unsigned' },
  },
  {
    // https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures: `v1=<hex HMAC-SHA256 of the body>`.
    name: 'pagerduty',
    verify: { scheme: 'pagerduty', secrets: PAGERDUTY_SECRETS },
    secrets: PAGERDUTY_SECRETS,
    secretFrom: (seed) => `pagerduty-${seed}`,
    sign: (body, _now, { id, secret }) => ({
      'x-pagerduty-signature': `v1=${hmac(secret, body).toString('hex')}`,
      'x-webhook-id': id,
    }),
    // A comma-separated list: "v1=S, v1=S" still holds the intact entry "v1=S".
    signature: { header: 'x-pagerduty-signature', prefix: 'v1=', encoding: 'hex', duplicateAccepted: true, everySecret: true },
    deliveryHeader: 'x-webhook-id',
    roles: { 'x-pagerduty-signature': 'signature', 'x-webhook-id': 'unsigned' },
  },
  {
    // https://developer.zendesk.com/documentation/webhooks/verifying/: base64 HMAC-SHA256 of
    // timestamp + body, the timestamp an RFC 3339 date-time in whole seconds.
    name: 'zendesk',
    verify: { scheme: 'zendesk', secrets: ZENDESK_SECRETS },
    secrets: ZENDESK_SECRETS,
    secretFrom: (seed) => `zendesk-${seed}`,
    sign: (body, now, { id, secret }) => {
      const timestamp = new Date(seconds(now) * 1000).toISOString().replace('.000Z', 'Z');
      return {
        'x-zendesk-webhook-signature': hmac(secret, timestamp + body).toString('base64'),
        'x-zendesk-webhook-signature-timestamp': timestamp,
        'x-zendesk-webhook-invocation-id': id,
      };
    },
    signature: { header: 'x-zendesk-webhook-signature', prefix: '', encoding: 'base64', duplicateAccepted: false },
    timestamp: { header: 'x-zendesk-webhook-signature-timestamp', toleranceSeconds: 300 },
    deliveryHeader: 'x-zendesk-webhook-invocation-id',
    roles: {
      'x-zendesk-webhook-signature': 'signature', 'x-zendesk-webhook-signature-timestamp': 'signed', 'x-zendesk-webhook-invocation-id': 'unsigned',
    },
  },
];
