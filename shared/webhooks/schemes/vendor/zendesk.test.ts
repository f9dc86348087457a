import { createHmac } from 'node:crypto';
import { zendeskVerifier } from './zendesk';
import { codeOf, errorText, flipByte, flipChar, input, isoAt, NOW } from './test-kit';

// Zendesk publishes no vector for the current scheme. The oracle is the doc's NodeJS sample
// (https://developer.zendesk.com/documentation/webhooks/verifying/): HMAC-SHA256 keyed with the
// signing secret text over timestamp + body, base64, compared with Buffer.compare. The secret is
// the doc's, the static one Zendesk signs test requests with before a webhook exists.
const SIGNING_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const docSign = (body: string | Buffer, timestamp: string, secret = SIGNING_SECRET) =>
  createHmac('sha256', secret).update(timestamp + body.toString()).digest('base64');
const docValid = (signature: string, body: string, timestamp: string) =>
  Buffer.compare(Buffer.from(signature), Buffer.from(docSign(body, timestamp))) === 0;

const body = '{"type":"zen:event-type:ticket.created","account_id":123456,"detail":{"id":"35436","subject":"Help!"},"id":"cbe4028c-7239-495d-b020-f22348516046"}';
const INVOCATION = '8350205582';
const headers = (sig: string | undefined, ts: string | null = isoAt()): Record<string, string> => ({
  'X-Zendesk-Account-Id': '123456', 'X-Zendesk-Webhook-Id': '01F1KRFQ6BG29CNWFR60NK5FNY', 'X-Zendesk-Webhook-Invocation-Id': INVOCATION,
  ...(sig === undefined ? {} : { 'X-Zendesk-Webhook-Signature': sig }),
  ...(ts === null ? {} : { 'X-Zendesk-Webhook-Signature-Timestamp': ts }),
});
const signed = (ts = isoAt(), bytes: string = body, secret?: string) => headers(docSign(bytes, ts, secret), ts);
const ours = zendeskVerifier({ scheme: 'zendesk', secret: SIGNING_SECRET });
const run = (h: Record<string, string>, bytes: string | Buffer = body, v = ours, now = NOW) => codeOf(() => v(input(h, bytes, { now })));

describe('zendesk verifier', () => {
  it("accepts the doc sample's signature; the invocation id is the delivery id, not the webhook id", () => {
    const ts = isoAt();
    expect(docValid(docSign(body, ts), body, ts)).toBe(true);
    expect(ours(input(signed(ts), body))).toEqual({ deliveryId: INVOCATION, toleranceSeconds: 300, signature: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) });
    const next = { ...signed(ts), 'X-Zendesk-Webhook-Invocation-Id': '8350205583' };
    expect(ours(input(next, body)).deliveryId).toBe('8350205583');
  });

  it('signs timestamp then body with no separator (an older doc page showed body then timestamp)', () => {
    const ts = isoAt();
    const reversed = createHmac('sha256', SIGNING_SECRET).update(body + ts).digest('base64');
    expect(run(headers(reversed, ts))).toBe('signature_invalid');
  });

  it.each<[string, Record<string, string>, (string | Buffer)?]>([
    ['a body with one byte changed', signed(), flipByte(body, 25)],
    ['a signature with one character changed', headers(flipChar(docSign(body, isoAt()), 8))],
    ['the timestamp moved by one second', headers(docSign(body, isoAt()), isoAt(-1))],
    ['the same instant written another way', headers(docSign(body, isoAt()), new Date(NOW).toISOString())],
    ['the wrong secret', signed(isoAt(), body, 'other')],
    ['a hex signature', headers(createHmac('sha256', SIGNING_SECRET).update(isoAt() + body).digest('hex'))],
  ])('rejects %s', (_, h, bytes = body) => {
    expect(run(h, bytes)).toBe('signature_invalid');
  });

  it('needs both headers, and an RFC 3339 timestamp', () => {
    expect(run(headers(undefined))).toBe('signature_missing');
    expect(run(headers(docSign(body, isoAt()), null))).toBe('timestamp_missing');
    for (const ts of [String(NOW / 1000), '2023-11-14 22:13:20Z', '2023-11-14T22:13:20', '2023-13-14T22:13:20Z', 'yesterday']) {
      expect(run(signed(ts))).toBe('timestamp_invalid');
    }
  });

  it('accepts fractional seconds and numeric offsets when signed as sent', () => {
    expect(run(signed(new Date(NOW).toISOString()))).toBe('accepted');
    expect(run(signed('2023-11-15T00:13:20+02:00'))).toBe('accepted');
  });

  it.each([[-300, 'accepted'], [300, 'accepted'], [-301, 'timestamp_too_old'], [301, 'timestamp_too_new']])(
    'with a timestamp %i s from now: %s', (offset, expected) => {
      expect(run(signed(isoAt(offset)))).toBe(expected);
    },
  );

  it('counts whole seconds on both clocks, as checkTimestamp does for Unix timestamps', () => {
    expect(run(signed(isoAt(-300)), body, ours, NOW + 999)).toBe('accepted');
    expect(run(signed(new Date(NOW - 300_500).toISOString()))).toBe('timestamp_too_old');
  });

  it('takes toleranceSeconds from the configuration', () => {
    const strict = zendeskVerifier({ scheme: 'zendesk', secret: SIGNING_SECRET, toleranceSeconds: 60 });
    expect(run(signed(isoAt(-60)), body, strict)).toBe('accepted');
    expect(run(signed(isoAt(61)), body, strict)).toBe('timestamp_too_new');
  });

  it('accepts the old and the new signing secret during a rotation, and nothing else', () => {
    const rotating = zendeskVerifier({ scheme: 'zendesk', secrets: ['old', SIGNING_SECRET] });
    expect(run(signed(isoAt(), body, 'old'), body, rotating)).toBe('accepted');
    expect(run(signed(), body, rotating)).toBe('accepted');
    expect(run(signed(isoAt(), body, 'third'), body, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers(docSign(body, isoAt(), 'x')), body)));
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain(docSign(body, isoAt()));
  });
});
