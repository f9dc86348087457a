import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { stripeVerifier } from './stripe';
import { codeOf, errorText, flipByte, flipChar, input, NOW, NOW_S } from './test-kit';

// The oracle is stripe-node itself: generateTestHeaderString signs as Stripe does, and
// constructEvent (clock pinned to our NOW through its receivedAt argument) must agree with us.
const stripe = new Stripe('sk_test_not_used_offline');
const SECRET = 'whsec_test_5Wz3b8hN2kQvXr7YpL0mTa9cD4eF6gH1';
const body = Buffer.from(JSON.stringify({
  id: 'evt_1QabcDEFghiJKLmnoPQRstuv', object: 'event', api_version: '2024-06-20', created: NOW_S,
  type: 'payment_intent.succeeded', livemode: false, pending_webhooks: 1,
  data: { object: { id: 'pi_3QabcDEFghiJKLmn0abc', object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded' } },
}));
const sign = (t = NOW_S, bytes: Buffer = body, secret = SECRET) =>
  stripe.webhooks.generateTestHeaderString({ payload: bytes.toString('utf8'), secret, timestamp: t });
const v1Of = (header: string) => /v1=([0-9a-f]+)/.exec(header)![1]!;
const libAccepts = (header: string, bytes: Buffer = body) => {
  try {
    stripe.webhooks.constructEvent(bytes, header, SECRET, 300, undefined, NOW);
    return true;
  } catch {
    return false;
  }
};
const ours = stripeVerifier({ scheme: 'stripe', secret: SECRET });
const run = (header: string | undefined, bytes: Buffer = body, verify = ours, now = NOW) =>
  codeOf(() => verify(input(header === undefined ? {} : { 'Stripe-Signature': header }, bytes, { now })));

describe('stripe verifier', () => {
  it('accepts what stripe-node signs, returning the v1 signature and the tolerance', () => {
    const header = sign();
    expect(libAccepts(header)).toBe(true);
    expect(ours(input({ 'stripe-signature': header }, body))).toEqual({ signature: v1Of(header), signatures: [v1Of(header)], toleranceSeconds: 300 });
  });

  const good = sign();
  const v1 = v1Of(good);
  it.each<[string, string, Buffer?, string?]>([
    ['a body with one byte changed', good, flipByte(body, 40)],
    ['a v1 with one hex digit changed', `t=${NOW_S},v1=${flipChar(v1, 20)}`],
    ['the timestamp moved by one second', `t=${NOW_S - 1},v1=${v1}`],
    ['the wrong secret', sign(NOW_S, body, 'whsec_other')],
    ['only a v0 entry with the right bytes', `t=${NOW_S},v0=${v1}`],
    ['trailing junk after the v1', `t=${NOW_S},v1=${v1}00`],
    ['a truncated v1', `t=${NOW_S},v1=${v1.slice(0, 62)}`],
    ['no t=', `v1=${v1}`, body, 'timestamp_missing'],
    ['a 301 s old timestamp', sign(NOW_S - 301), body, 'timestamp_too_old'],
  ])('rejects, like stripe-node, %s', (_, header, bytes = body, code = 'signature_invalid') => {
    expect(libAccepts(header, bytes)).toBe(false);
    expect(run(header, bytes)).toBe(code);
  });

  it('needs the header', () => {
    expect(run(undefined)).toBe('signature_missing');
    expect(run('')).toBe('signature_missing');
  });

  it('is stricter than stripe-node on t (it parseInt()s) and on timestamps ahead of the clock', () => {
    const junk = `t=${NOW_S}x,v1=${v1}`;
    expect(libAccepts(junk)).toBe(true);
    expect(run(junk)).toBe('timestamp_invalid');
    const ahead = sign(NOW_S + 301);
    expect(libAccepts(ahead)).toBe(true);
    expect(run(ahead)).toBe('timestamp_too_new');
  });

  it('takes the last t= of a header that repeats it, as stripe-node does', () => {
    // stripe-node's parseHeader keeps overwriting the timestamp, so the last t= is the signed one.
    const stale = NOW_S - 3600;
    const currentLast = `t=${stale},${sign()}`;
    expect(libAccepts(currentLast)).toBe(true);
    expect(run(currentLast)).toBe('accepted');
    const staleLast = `${sign()},t=${stale}`;
    expect(libAccepts(staleLast)).toBe(false);
    expect(run(staleLast)).toBe('timestamp_too_old');
  });

  it.each([[-300, 'accepted'], [300, 'accepted'], [-301, 'timestamp_too_old'], [301, 'timestamp_too_new']])(
    'with a timestamp %i s from now: %s', (offset, expected) => {
      expect(run(sign(NOW_S + offset))).toBe(expected);
      if (offset === -300) expect(libAccepts(sign(NOW_S + offset))).toBe(true);
    },
  );

  it('takes toleranceSeconds from the configuration', () => {
    const strict = stripeVerifier({ scheme: 'stripe', secret: SECRET, toleranceSeconds: 60 });
    expect(run(sign(NOW_S - 60), body, strict)).toBe('accepted');
    expect(run(sign(NOW_S - 61), body, strict)).toBe('timestamp_too_old');
    expect(strict(input({ 'stripe-signature': sign() }, body)).toleranceSeconds).toBe(60);
  });

  it('accepts a header with several v1 values when any one matches (a rolling secret)', () => {
    const other = v1Of(sign(NOW_S, body, 'whsec_old'));
    const header = `t=${NOW_S},v1=${other},v1=${v1},v0=${other}`;
    expect(libAccepts(header)).toBe(true);
    expect(ours(input({ 'stripe-signature': header }, body)).signature).toBe(v1);
  });

  it('accepts every configured secret of a rotation and nothing else', () => {
    const rotating = stripeVerifier({ scheme: 'stripe', secrets: ['whsec_old', SECRET] });
    expect(run(sign(NOW_S, body, 'whsec_old'), body, rotating)).toBe('accepted');
    expect(run(sign(NOW_S, body, SECRET), body, rotating)).toBe('accepted');
    expect(run(sign(NOW_S, body, 'whsec_third'), body, rotating)).toBe('signature_invalid');
  });

  it('returns one replay key for one signature however its hex is cased', () => {
    const upper = `t=${NOW_S},v1=${v1.toUpperCase()}`;
    expect(ours(input({ 'stripe-signature': upper }, body)).signature).toBe(v1);
  });

  it('verifies the raw bytes (stripe-node first decodes them as UTF-8, losing invalid bytes)', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const header = `t=${NOW_S},v1=${createHmac('sha256', SECRET).update(`${NOW_S}.`).update(raw).digest('hex')}`;
    expect(run(header, raw)).toBe('accepted');
    expect(libAccepts(header, raw)).toBe(false);
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input({ 'stripe-signature': `t=${NOW_S},v1=${'0'.repeat(64)}` }, body)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(v1);
  });
});
