import { createHmac, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import twilio from 'twilio';
import type { SyncVerifier } from '../shared/webhooks/types';
import {
  gitlabVerifier, jiraVerifier, pagerdutyVerifier, sentryVerifier, shopifyVerifier, slackVerifier, stripeVerifier, twilioVerifier,
  zendeskVerifier,
} from '../shared/webhooks/schemes/vendor';
import { fixtureBytes } from '../test/fixtures';
import { type BenchRow, measureOps, throughputRows } from './rows';

/**
 * Vendor scheme verification throughput, valid requests, side by side with the vendors' own
 * libraries where they ship one (stripe-node, twilio-node) and, for every scheme, a bare
 * node:crypto HMAC + timingSafeEqual over the same signed content with the signature already
 * decoded (the floor: no header parsing, no decoding). JSON schemes use one real ~9 KB delivery
 * body; Twilio a form body of an SMS webhook.
 */
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const SECRET = 'whsec_bench_5Wz3b8hN2kQvXr7YpL0mTa9cD4eF6gH1';
const OPTS = { warmupMs: 300, roundMs: 250, rounds: 5 };
const hmac = (alg: 'sha1' | 'sha256', content: (string | Uint8Array)[]) => {
  const mac = createHmac(alg, SECRET);
  for (const c of content) mac.update(c);
  return mac.digest();
};
/** The floor for one signed content: HMAC + constant-time compare with a pre-decoded signature. */
const floor = (alg: 'sha1' | 'sha256', content: (string | Uint8Array)[]) => {
  const expected = hmac(alg, content);
  return () => timingSafeEqual(hmac(alg, content), expected);
};

function measure(scheme: string, verify: SyncVerifier, headers: Record<string, string>, baselines: Record<string, () => unknown>,
  over: { body?: Uint8Array; url?: string } = {}): BenchRow[] {
  const input = { headers: new Headers(headers), body: over.body ?? body, url: over.url ?? `https://hooks.example.com/webhooks/${scheme}`, now: Date.now() };
  const candidates: Record<string, () => unknown> = { ours: () => verify(input), ...baselines };
  for (const [name, fn] of Object.entries(candidates)) {
    if (fn() === false) throw new Error(`bench/schemes-vendor: ${name} rejected the valid ${scheme} request`);
  }
  const ops = measureOps(candidates, OPTS);
  const { ours, ...rest } = ops;
  return throughputRows(`verify.${scheme}`, 'ops/s', ours!, rest);
}

function stripeRows(): BenchRow[] {
  const stripe = new Stripe('sk_test_bench_offline');
  const t = Math.floor(Date.now() / 1000);
  const header = stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret: SECRET, timestamp: t });
  return measure('stripe', stripeVerifier({ scheme: 'stripe', secret: SECRET }), { 'stripe-signature': header }, {
    // constructEvent also JSON-parses the body; verifyHeader is its signature check alone.
    stripe: () => stripe.webhooks.constructEvent(body, header, SECRET),
    'stripe verifyHeader': () => stripe.webhooks.signature!.verifyHeader(body, header, SECRET),
    'node:crypto': floor('sha256', [`${t}.`, body]),
  });
}

function twilioRows(): BenchRow[] {
  const url = 'https://hooks.example.com/webhooks/twilio';
  const form = new URLSearchParams({
    ToCountry: 'US', ToState: 'CA', SmsMessageSid: 'SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7', NumMedia: '0', ToCity: 'SAN FRANCISCO',
    FromZip: '94105', SmsSid: 'SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7', FromState: 'CA', SmsStatus: 'received', FromCity: 'SAN FRANCISCO',
    Body: 'ALERT sev1: db-1 disk 91% and rising; ack with 1', FromCountry: 'US', To: '+14155550199', ToZip: '94105', NumSegments: '1',
    MessageSid: 'SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7', AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+14155550100', ApiVersion: '2010-04-01',
  }).toString();
  const params = Object.fromEntries(new URLSearchParams(form));
  const signature = twilio.getExpectedTwilioSignature(SECRET, url, params);
  const signed = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  const raw = Buffer.from(form);
  const expectedTwilio = Buffer.from(signature, 'base64');
  return measure('twilio', twilioVerifier({ scheme: 'twilio', secret: SECRET }),
    { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' }, {
      // Given parameters a framework already parsed (its best case), then from the raw body as we are.
      twilio: () => twilio.validateRequest(SECRET, signature, url, params),
      'twilio+parse': () => twilio.validateRequest(SECRET, signature, url, Object.fromEntries(new URLSearchParams(raw.toString()))),
      'node:crypto': floor('sha1', [signed]),
      // The scheme signs the URL and the form's parameters, not the body's bytes: a receiver has to
      // parse the form it is given to know what was signed. This floor does that much and no more
      // (no header reading, no decoding, no repeated names, no bodySHA256 variant).
      // URLSearchParams, the WHATWG form parser (node:querystring's parse measured slower still here).
      'node:crypto+parse': () => {
        const fields = new URLSearchParams(raw.toString());
        const names = [...fields.keys()].sort();
        const mac = createHmac('sha1', SECRET).update(url);
        for (const k of names) mac.update(k).update(fields.get(k)!);
        return timingSafeEqual(mac.digest(), expectedTwilio);
      },
    }, { body: raw, url });
}

function bodyOnlyRows(): BenchRow[] {
  const hex = hmac('sha256', [body]).toString('hex');
  const b64 = hmac('sha256', [body]).toString('base64');
  const node = { 'node:crypto': floor('sha256', [body]) };
  const id = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
  return [
    ...measure('shopify', shopifyVerifier({ scheme: 'shopify', secret: SECRET }),
      { 'x-shopify-hmac-sha256': b64, 'x-shopify-webhook-id': id, 'x-shopify-topic': 'orders/create' }, node),
    ...measure('pagerduty', pagerdutyVerifier({ scheme: 'pagerduty', secret: SECRET }),
      { 'x-pagerduty-signature': `v1=${'0'.repeat(64)},v1=${hex}`, 'x-webhook-id': id }, node),
    ...measure('sentry', sentryVerifier({ scheme: 'sentry', secret: SECRET }),
      { 'sentry-hook-signature': hex, 'request-id': id, 'sentry-hook-resource': 'issue' }, node),
    ...measure('jira', jiraVerifier({ scheme: 'jira', secret: SECRET }),
      { 'x-hub-signature': `sha256=${hex}`, 'x-atlassian-webhook-identifier': id }, node),
  ];
}

function timestampedRows(): BenchRow[] {
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const iso = new Date(Number(ts) * 1000).toISOString().replace('.000Z', 'Z');
  const slackSig = `v0=${hmac('sha256', [`v0:${ts}:`, body]).toString('hex')}`;
  const zendeskSig = hmac('sha256', [iso, body]).toString('base64');
  const token = Buffer.from(SECRET);
  const gitlabHeaders = { 'x-gitlab-token': SECRET, 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e', 'x-gitlab-event': 'Push Hook' };
  const gitlabRequest = new Headers(gitlabHeaders);
  return [
    ...measure('slack', slackVerifier({ scheme: 'slack', secret: SECRET }),
      { 'x-slack-signature': slackSig, 'x-slack-request-timestamp': ts }, { 'node:crypto': floor('sha256', [`v0:${ts}:`, body]) }),
    ...measure('zendesk', zendeskVerifier({ scheme: 'zendesk', secret: SECRET }),
      { 'x-zendesk-webhook-signature': zendeskSig, 'x-zendesk-webhook-signature-timestamp': iso, 'x-zendesk-webhook-invocation-id': '8350205582' },
      { 'node:crypto': floor('sha256', [iso, body]) }),
    // A shared token, no HMAC, so reading headers is most of the work. Two floors: one
    // timingSafeEqual of the token header's bytes alone (as the api-key row's floor), and the
    // same plus the headers any GitLab receiver with replay protection reads (the delivery id,
    // Idempotency-Key else X-Gitlab-Event-UUID, and the event name), which ours reads too.
    ...measure('gitlab', gitlabVerifier({ scheme: 'gitlab', secret: SECRET }), gitlabHeaders, {
      'node:crypto': () => {
        const ok = timingSafeEqual(Buffer.from(gitlabRequest.get('x-gitlab-token')!), token);
        const id = gitlabRequest.get('idempotency-key') ?? gitlabRequest.get('x-gitlab-event-uuid');
        return ok && { id, event: gitlabRequest.get('x-gitlab-event') };
      },
      'node:crypto token only': () => timingSafeEqual(Buffer.from(gitlabRequest.get('x-gitlab-token')!), token),
    }),
  ];
}

export async function vendorSchemesBench(): Promise<BenchRow[]> {
  return [...stripeRows(), ...twilioRows(), ...bodyOnlyRows(), ...timestampedRows()];
}
