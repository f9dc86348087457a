import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { standardWebhooksVerifier } from '../webhooks/schemes/standard-webhooks';
import { rotateSecrets, signingSecrets } from './model';
import { decodeSecret, generateSecret } from './secret';
import { signDelivery, signWithKeys } from './sign';

// The receiver's side is the reference library (standardwebhooks on npm), whose clock is Date.now:
// pinned to the attempt's time so its 5-minute tolerance passes.
const TS = 1_700_000_000;
const ID = 'msg_2bWnBaB6Yc3fCNNJ6yQa3lDb1Zw';
const body = JSON.stringify({ specversion: '1.0', id: 'e1', type: 'secorch.finding.created', source: 'x', data: { note: 'déjà vu ✓' } });
const newSecret = () => generateSecret(randomBytes);
const accepts = (secret: string, headers: Record<string, string>, payload: string | Buffer = body) => {
  try {
    new Webhook(secret).verify(payload, headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(TS * 1000));
afterEach(() => jest.restoreAllMocks());

describe('signDelivery', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const h = signDelivery({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSeconds: 1614265330, body: '{"test": 2432232314}', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] });
    expect(h).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs exactly as the library signs, for any id, time and UTF-8 body', () => {
    fc.assert(fc.property(
      fc.stringMatching(/^msg_[A-Za-z0-9]{1,27}$/), fc.integer({ min: 0, max: 2 ** 32 }), fc.string({ unit: 'grapheme', maxLength: 200 }),
      (id, ts, text) => {
        const secret = newSecret();
        const ours = signDelivery({ id, timestampSeconds: ts, body: text, secrets: [secret] });
        expect(ours['webhook-signature']).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), text));
      },
    ), { numRuns: 200 });
  });

  it('is accepted by a receiver using the library, with a string or the same bytes as body', () => {
    const secret = newSecret();
    const h = signDelivery({ id: ID, timestampSeconds: TS, body, secrets: [secret] });
    expect(accepts(secret, { ...h })).toBe(true);
    expect(signDelivery({ id: ID, timestampSeconds: TS, body: Buffer.from(body), secrets: [secret] })).toEqual(h);
    expect(accepts(secret, { ...h }, body.replace('vu', 'VU'))).toBe(false);
    expect(accepts(newSecret(), { ...h })).toBe(false);
  });

  it('signs the raw bytes of a body that is not UTF-8 (checked by our inbound verifier)', () => {
    const secret = newSecret();
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x80, 0x7d]);
    const h = signDelivery({ id: ID, timestampSeconds: TS, body: raw, secrets: [secret] });
    const verify = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret });
    expect(verify({ headers: new Headers({ ...h }), body: raw, url: 'https://x/', now: TS * 1000 })).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
  });

  it('during a rotation sends one signature per secret, and old and new receivers both accept', () => {
    const [oldS, newS, other] = [newSecret(), newSecret(), newSecret()];
    const h = signDelivery({ id: ID, timestampSeconds: TS, body, secrets: [newS, oldS] });
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    expect(accepts(oldS, { ...h })).toBe(true);
    expect(accepts(newS, { ...h })).toBe(true);
    expect(accepts(other, { ...h })).toBe(false);
  });

  it('follows a rotation through the stored secrets: both sign within the overlap, the new one alone after it', () => {
    const [oldS, newS] = [newSecret(), newSecret()];
    const t0 = TS * 1000;
    // The secrets port is the identity here: "sealed" holds the clear secret.
    const stored = rotateSecrets([{ sealed: oldS, createdAt: new Date(t0 - 86_400_000 * 30).toISOString() }], newS, t0, 3_600_000);
    const at = (ms: number) => signDelivery({ id: ID, timestampSeconds: Math.floor(ms / 1000), body, secrets: signingSecrets(stored, ms) });
    const during = at(t0 + 60_000);
    jest.spyOn(Date, 'now').mockReturnValue(t0 + 60_000);
    expect([accepts(oldS, { ...during }), accepts(newS, { ...during })]).toEqual([true, true]);
    const after = at(t0 + 3_600_000);
    jest.spyOn(Date, 'now').mockReturnValue(t0 + 3_600_000);
    expect([accepts(oldS, { ...after }), accepts(newS, { ...after })]).toEqual([false, true]);
  });

  it('gives one entry for a secret listed twice', () => {
    const s = newSecret();
    expect(signDelivery({ id: ID, timestampSeconds: TS, body, secrets: [s, s] })['webhook-signature'].split(' ')).toHaveLength(1);
  });
});

describe('signWithKeys', () => {
  // The engine signs with the keys opened once and kept as secret KeyObjects, the body as its UTF-8 bytes.
  const keyOf = (s: string) => createSecretKey(decodeSecret(s));
  const bytes = Buffer.from(body, 'utf8');

  it('signs as signDelivery does, with KeyObjects or bytes, the body as text or bytes, one secret or several', () => {
    const [a, b] = [newSecret(), newSecret()];
    for (const secrets of [[a], [a, b], [b, a]]) {
      const expected = signDelivery({ id: ID, timestampSeconds: TS, body, secrets });
      for (const keys of [secrets.map(keyOf), secrets.map(decodeSecret)]) {
        for (const payload of [body, bytes]) expect(signWithKeys({ id: ID, timestampSeconds: TS, body: payload, keys })).toEqual(expected);
      }
    }
    const one = signWithKeys({ id: ID, timestampSeconds: TS, body: bytes, keys: [keyOf(a)] });
    expect(accepts(a, { ...one })).toBe(true);
    expect(accepts(b, { ...one })).toBe(false);
    const two = signWithKeys({ id: ID, timestampSeconds: TS, body: bytes, keys: [keyOf(a), keyOf(b)] });
    expect(two['webhook-signature'].split(' ')).toHaveLength(2);
    expect([accepts(a, { ...two }), accepts(b, { ...two })]).toEqual([true, true]);
  });

  it('gives one entry for a key listed twice, and refuses what signDelivery refuses', () => {
    const k = keyOf(newSecret());
    expect(signWithKeys({ id: ID, timestampSeconds: TS, body: bytes, keys: [k, k] })['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => signWithKeys({ id: 'msg_1.2', timestampSeconds: TS, body: bytes, keys: [k] })).toThrow(expect.objectContaining({ code: 'webhook_sign_invalid' }));
    expect(() => signWithKeys({ id: ID, timestampSeconds: TS, body: bytes, keys: [] })).toThrow(expect.objectContaining({ code: 'webhook_sign_invalid' }));
  });

  it.each<[string, Partial<Parameters<typeof signDelivery>[0]>, string]>([
    ['an id with a dot (the spec forbids it: it makes the signed content ambiguous)', { id: 'msg_1.2' }, 'webhook_sign_invalid'],
    ['an id with CR/LF', { id: 'msg_1\r\nx: y' }, 'webhook_sign_invalid'],
    ['an empty id', { id: '' }, 'webhook_sign_invalid'],
    ['a timestamp in ms with a fraction', { timestampSeconds: 1.5 }, 'webhook_sign_invalid'],
    ['a negative timestamp', { timestampSeconds: -1 }, 'webhook_sign_invalid'],
    ['no secret', { secrets: [] }, 'webhook_sign_invalid'],
    ['a malformed secret', { secrets: ['whsec_nope'] }, 'webhook_secret_invalid'],
  ])('refuses %s', (_, over, code) => {
    expect(() => signDelivery({ id: ID, timestampSeconds: TS, body, secrets: [newSecret()], ...over })).toThrow(expect.objectContaining({ code }));
  });
});
