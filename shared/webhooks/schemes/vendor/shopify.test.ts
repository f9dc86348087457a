import { createHmac, timingSafeEqual } from 'node:crypto';
import { fixtureBytes } from '../../../../test/fixtures';
import { shopifyVerifier } from './shopify';
import { codeOf, errorText, flipByte, flipChar, input } from './test-kit';

// Shopify publishes no test vector. The oracle computes exactly what its doc asks ("compute
// HMAC-SHA256 of the raw request body using your app's client secret as the key, then compare it
// to the decoded header value"): https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
const docSign = (raw: Uint8Array, secret: string) => createHmac('sha256', secret).update(raw).digest('base64');
const docVerify = (raw: Uint8Array, header: string, secret: string) => {
  const a = Buffer.from(header, 'base64');
  const b = createHmac('sha256', secret).update(raw).digest();
  return a.length === b.length && timingSafeEqual(a, b);
};

const SECRET = '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';
const body = fixtureBytes('events/github-dependabot_alert-created.payload.json'); // a real JSON delivery body
const ID = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
const headers = (sig?: string): Record<string, string> => ({
  'X-Shopify-Topic': 'orders/create', 'X-Shopify-Webhook-Id': ID, 'X-Shopify-Shop-Domain': 'example.myshopify.com',
  ...(sig === undefined ? {} : { 'X-Shopify-Hmac-Sha256': sig }),
});
const ours = shopifyVerifier({ scheme: 'shopify', secret: SECRET });
const run = (h: Record<string, string>, bytes: Uint8Array = body, verify = ours) => codeOf(() => verify(input(h, bytes)));
const sig = docSign(body, SECRET);

describe('shopify verifier', () => {
  it('accepts what the doc computes, with X-Shopify-Webhook-Id and X-Shopify-Topic', () => {
    expect(docVerify(body, sig, SECRET)).toBe(true);
    expect(ours(input(headers(sig), body))).toEqual({ deliveryId: ID, event: 'orders/create', signature: sig });
  });

  it.each<[string, string, Uint8Array?]>([
    ['a body with one byte changed', sig, flipByte(body, 200)],
    ['a signature with one character changed', flipChar(sig, 10)],
    ['the wrong secret', docSign(body, 'shpss_other')],
    ['the hex form of the right HMAC', createHmac('sha256', SECRET).update(body).digest('hex')],
    ['non-canonical base64 (same bytes, other padding bits)', `${sig.slice(0, 42)}${String.fromCharCode(sig.charCodeAt(42) + 1)}=`],
    ['a truncated signature', sig.slice(0, 40)],
  ])('rejects %s', (_, s, bytes = body) => {
    expect(run(headers(s), bytes)).toBe('signature_invalid');
  });

  it('needs the header', () => {
    expect(run(headers())).toBe('signature_missing');
    expect(run(headers(''))).toBe('signature_missing');
  });

  it('reads configured header names (Shopify Events: Shopify-Hmac-Sha256, Shopify-Webhook-Id)', () => {
    const events = shopifyVerifier({ scheme: 'shopify', secret: SECRET, header: 'Shopify-Hmac-Sha256', idHeader: 'Shopify-Webhook-Id' });
    const h = { 'Shopify-Hmac-Sha256': sig, 'Shopify-Webhook-Id': 'evt-1' };
    expect(events(input(h, body)).deliveryId).toBe('evt-1');
    expect(run(headers(sig), body, events)).toBe('signature_missing');
  });

  it('accepts the old and the new client secret during a rotation, and nothing else', () => {
    const rotating = shopifyVerifier({ scheme: 'shopify', secrets: ['shpss_old', SECRET] });
    expect(run(headers(docSign(body, 'shpss_old')), body, rotating)).toBe('accepted');
    expect(run(headers(sig), body, rotating)).toBe('accepted');
    expect(run(headers(docSign(body, 'shpss_third')), body, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers(docSign(body, 'x')), body)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(sig);
  });
});
