import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { fixtureBytes } from '../../../test/fixtures';
import { AppError } from '../../errors';
import { standardWebhooksVerifier } from './standard-webhooks';

// Cross-checked against the reference library (standardwebhooks on npm): it signs, we verify, and
// every request it rejects we reject too. Its clock is Date.now, pinned here to our injected `now`.
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1_700_000_000_000;
const TS = NOW / 1000;
const ID = 'msg_2bWnBaB6Yc3fCNNJ6yQa3lDb1Zw';
const lib = new Webhook(SECRET);
const libSign = (ts = TS, bytes: Buffer = body, id = ID, wh = lib) => wh.sign(id, new Date(ts * 1000), bytes);
const ours = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret: SECRET });

type H = Record<string, string>;
const headers = (over: H = {}, ts = TS): H => ({ 'webhook-id': ID, 'webhook-timestamp': String(ts), 'webhook-signature': libSign(ts), ...over });
const without = (name: string): H => Object.fromEntries(Object.entries(headers()).filter(([k]) => k !== name));
const run = (h: H, bytes: Buffer = body, now = NOW, verify = ours) => verify({ headers: new Headers(h), body: bytes, url: 'https://x/webhooks/s', now });
const libAccepts = (h: H, bytes: Buffer = body) => {
  try {
    lib.verify(bytes, h, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(401);
    return (e as AppError).code;
  }
  return 'accepted';
}
const sig = libSign().slice(3);
const tampered = Buffer.from(body);
tampered[42] = tampered[42]! ^ 0x20;

beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
afterEach(() => jest.restoreAllMocks());

describe('standard-webhooks verifier', () => {
  it('matches the published test vector', () => {
    const v = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret: SECRET });
    const h = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
    const req = { headers: new Headers(h), body: Buffer.from('{"test": 2432232314}'), url: 'https://x/', now: 1614265330_000 };
    expect(v(req)).toEqual({ deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', toleranceSeconds: 300 });
  });

  it('accepts what the library signs and returns webhook-id as the delivery id', () => {
    expect(libAccepts(headers())).toBe(true);
    expect(run(headers())).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
  });

  it.each<[string, H, Buffer?, string?]>([
    ['a body with one byte changed', headers(), tampered],
    ['another webhook-id', headers({ 'webhook-id': 'msg_other' })],
    ['a timestamp moved by one second', headers({ 'webhook-timestamp': String(TS - 1) })],
    ['the wrong secret', headers({ 'webhook-signature': libSign(TS, body, ID, new Webhook(randomBytes(24).toString('base64'))) })],
    ['only a v1a entry with the right bytes', headers({ 'webhook-signature': `v1a,${sig}` })],
    ['an upper-case version tag', headers({ 'webhook-signature': `V1,${sig}` })],
    ['no version tag', headers({ 'webhook-signature': sig })],
    ['an empty v1 entry', headers({ 'webhook-signature': 'v1,' })],
    ['trailing garbage after the signature', headers({ 'webhook-signature': `v1,${sig}AA` })],
    ['non-canonical base64 (same bytes, other trailing bits)', headers({ 'webhook-signature': `v1,${sig.slice(0, 42)}${String.fromCharCode(sig.charCodeAt(42) + 1)}=` })],
    ['a truncated signature', headers({ 'webhook-signature': `v1,${sig.slice(0, 40)}` })],
    ['no webhook-signature', without('webhook-signature'), body, 'signature_missing'],
    ['no webhook-id', without('webhook-id'), body, 'delivery_id_missing'],
    ['no webhook-timestamp', without('webhook-timestamp'), body, 'timestamp_missing'],
    ['a non-numeric timestamp', headers({ 'webhook-timestamp': 'abc' }), body, 'timestamp_invalid'],
    ['a timestamp in milliseconds', headers({ 'webhook-timestamp': String(NOW) }), body, 'timestamp_too_new'],
    ['a signature 301 s old', headers({}, TS - 301), body, 'timestamp_too_old'],
    ['a signature 301 s ahead', headers({}, TS + 301), body, 'timestamp_too_new'],
  ])('rejects, like the library, %s', (_, h, bytes = body, code = 'signature_invalid') => {
    expect(libAccepts(h, bytes)).toBe(false);
    expect(codeOf(() => run(h, bytes))).toBe(code);
  });

  it('is stricter than the library about the timestamp (it parseInt()s "1700000000x")', () => {
    const h = headers({ 'webhook-timestamp': `${TS}x` });
    expect(libAccepts(h)).toBe(true);
    expect(codeOf(() => run(h))).toBe('timestamp_invalid');
  });

  it('accepts a header with several signatures when only the second is valid', () => {
    const other = libSign(TS, body, ID, new Webhook(randomBytes(32).toString('base64')));
    const h = headers({ 'webhook-signature': `${other} v1a,${sig} ${libSign()}` });
    expect(libAccepts(h)).toBe(true);
    expect(run(h)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    expect(codeOf(() => run(headers({ 'webhook-signature': `${other} v1a,${sig}` })))).toBe('signature_invalid');
  });

  it.each([
    [-300, 'accepted'], [300, 'accepted'], [-301, 'timestamp_too_old'], [301, 'timestamp_too_new'],
  ])('with a timestamp %i s from now: %s (as the library decides)', (offset, expected) => {
    const h = headers({}, TS + offset);
    expect(libAccepts(h)).toBe(expected === 'accepted');
    expect(codeOf(() => run(h))).toBe(expected);
    // Whole seconds: 300.999 s after the timestamp is still 300 s, as in the library.
    if (offset === -300) expect(codeOf(() => run(h, body, NOW + 999))).toBe('accepted');
  });

  it('takes toleranceSeconds from the configuration', () => {
    const strict = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret: SECRET, toleranceSeconds: 60 });
    expect(codeOf(() => run(headers({}, TS - 60), body, NOW, strict))).toBe('accepted');
    expect(codeOf(() => run(headers({}, TS + 61), body, NOW, strict))).toBe('timestamp_too_new');
    expect(codeOf(() => run(headers({}, TS - 61), body, NOW, strict))).toBe('timestamp_too_old');
  });

  it('accepts old and new secrets during a rotation, and a secret without whsec_', () => {
    const [a, b, c] = [randomBytes(24), randomBytes(32), randomBytes(24)].map((k) => k.toString('base64'));
    const rotating = standardWebhooksVerifier({ scheme: 'standard-webhooks', secrets: [`whsec_${a}`, b!] });
    const signed = (k: string) => headers({ 'webhook-signature': libSign(TS, body, ID, new Webhook(k)) });
    expect(codeOf(() => run(signed(a!), body, NOW, rotating))).toBe('accepted');
    expect(codeOf(() => run(signed(b!), body, NOW, rotating))).toBe('accepted');
    expect(codeOf(() => run(signed(c!), body, NOW, rotating))).toBe('signature_invalid');
  });

  it('verifies the raw bytes, not a decoded string (a body that is not UTF-8)', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x80, 0x7d]);
    const mac = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64')).update(`${ID}.${TS}.`).update(raw).digest('base64');
    expect(run(headers({ 'webhook-signature': `v1,${mac}` }), raw)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
  });

  it('refuses a secret that is not base64 at build time, without echoing it', () => {
    for (const secret of ['whsec_not*base64!', 'whsec_']) {
      expect(() => standardWebhooksVerifier({ scheme: 'standard-webhooks', secret })).toThrow(
        expect.objectContaining({ code: 'invalid_config', message: expect.not.stringContaining('base64!') }),
      );
    }
  });
});

// v1a (asymmetric): the spec's signing procedure done with node:crypto, the oracle here: Ed25519
// over `${webhook-id}.${webhook-timestamp}.${body}`, base64, tagged `v1a,`; the public key is
// `whpk_` + base64 of its raw 32 bytes. The reference library (standardwebhooks 1.1.1) has no
// v1a support: it skips every entry that is not `v1`, as the first test shows.
describe('standard-webhooks verifier, v1a (Ed25519)', () => {
  const pair = () => generateKeyPairSync('ed25519');
  const { privateKey, publicKey } = pair();
  const other = pair();
  const whpk = (key: KeyObject) => `whpk_${Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64')}`;
  const PK = whpk(publicKey);
  const v1a = (opts: { id?: string; ts?: number; bytes?: Buffer; key?: KeyObject } = {}) => {
    const { id = ID, ts = TS, bytes = body, key = privateKey } = opts;
    return `v1a,${sign(null, Buffer.concat([Buffer.from(`${id}.${ts}.`), bytes]), key).toString('base64')}`;
  };
  const asym = standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [PK] });
  const h1a = (over: H = {}, ts = TS): H => ({ 'webhook-id': ID, 'webhook-timestamp': String(ts), 'webhook-signature': v1a({ ts }), ...over });
  const flip = (text: string, at: number) => {
    const sig = Buffer.from(text.slice(4), 'base64');
    sig[at] = sig[at]! ^ 0x01;
    return `v1a,${sig.toString('base64')}`;
  };

  it('the reference library does not verify v1a signatures', () => {
    expect(libAccepts(h1a())).toBe(false);
    expect(run(h1a(), body, NOW, asym)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
  });

  it.each<[string, H, Buffer?]>([
    ['a body with one byte changed', h1a(), tampered],
    ['another webhook-id', h1a({ 'webhook-id': 'msg_other' })],
    ['a timestamp moved by one second', h1a({ 'webhook-timestamp': String(TS - 1) })],
    ['one bit of the signature flipped', h1a({ 'webhook-signature': flip(v1a(), 10) })],
    ['the last bit of the signature flipped', h1a({ 'webhook-signature': flip(v1a(), 63) })],
    ['a signature by another key', h1a({ 'webhook-signature': v1a({ key: other.privateKey }) })],
    ['the v1a signature tagged v1', h1a({ 'webhook-signature': `v1,${v1a().slice(4)}` })],
    ['a truncated signature', h1a({ 'webhook-signature': v1a().slice(0, 60) })],
    ['trailing garbage after the signature', h1a({ 'webhook-signature': `${v1a()}AA` })],
    ['a v1 HMAC only', headers()],
  ])('rejects %s', (_, h, bytes = body) => {
    expect(codeOf(() => run(h, bytes, NOW, asym))).toBe('signature_invalid');
  });

  it('rejects everything when the configured public key differs by one byte', () => {
    const raw = Buffer.from(PK.slice(5), 'base64');
    raw[0] = raw[0]! ^ 0x01;
    const wrong = standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [`whpk_${raw.toString('base64')}`] });
    expect(codeOf(() => run(h1a(), body, NOW, wrong))).toBe('signature_invalid');
  });

  it('checks the timestamp window as for v1', () => {
    expect(codeOf(() => run(h1a({}, TS - 301), body, NOW, asym))).toBe('timestamp_too_old');
    expect(codeOf(() => run(h1a({}, TS + 300), body, NOW, asym))).toBe('accepted');
  });

  it('ignores v1a entries when only secrets are configured', () => {
    expect(codeOf(() => run(h1a()))).toBe('signature_invalid');
  });

  it('with secrets and public keys, accepts either version, also beside a wrong entry of the other', () => {
    const both = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret: SECRET, publicKeys: [whpk(other.publicKey), PK] });
    expect(run(h1a(), body, NOW, both)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    expect(run(headers(), body, NOW, both)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    const badV1 = `v1,${Buffer.alloc(32).toString('base64')}`;
    expect(run(h1a({ 'webhook-signature': `${badV1} ${v1a()}` }), body, NOW, both)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    expect(run(h1a({ 'webhook-signature': `${flip(v1a(), 5)} ${libSign()}` }), body, NOW, both)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    expect(codeOf(() => run(h1a({ 'webhook-signature': `${badV1} ${flip(v1a(), 5)}` }), body, NOW, both))).toBe('signature_invalid');
  });

  // Each v1a entry costs an Ed25519 verification per public key, and 16 KiB of headers hold about
  // 175 of them. The verifications are counted on node:crypto's own verify, which still runs.
  describe('checks at most the first 10 v1a entries of a header', () => {
    const bogus = (n: number) => Array.from({ length: n }, () => `v1a,${randomBytes(64).toString('base64')}`);
    const counted = () => jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'verify');

    it('a header of 180 well-formed wrong entries costs 10 verifications and is too_many_signatures', () => {
      const verify = counted();
      expect(codeOf(() => run(h1a({ 'webhook-signature': bogus(180).join(' ') }), body, NOW, asym))).toBe('too_many_signatures');
      expect(verify).toHaveBeenCalledTimes(10);
    });

    it('with two public keys, 10 entries under each key', () => {
      const two = standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [whpk(other.publicKey), PK] });
      const verify = counted();
      expect(codeOf(() => run(h1a({ 'webhook-signature': bogus(180).join(' ') }), body, NOW, two))).toBe('too_many_signatures');
      expect(verify).toHaveBeenCalledTimes(20);
    });

    it('a valid entry among the first 10 is accepted whatever follows; the 11th is not checked', () => {
      expect(run(h1a({ 'webhook-signature': [...bogus(9), v1a(), ...bogus(30)].join(' ') }), body, NOW, asym)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
      expect(codeOf(() => run(h1a({ 'webhook-signature': [...bogus(10), v1a()].join(' ') }), body, NOW, asym))).toBe('too_many_signatures');
    });

    it('10 wrong entries are signature_invalid; malformed entries and other versions do not count', () => {
      expect(codeOf(() => run(h1a({ 'webhook-signature': bogus(10).join(' ') }), body, NOW, asym))).toBe('signature_invalid');
      const noise = Array.from({ length: 40 }, (_, i) => (i % 2 ? `v1a,${i}` : `v1,${randomBytes(32).toString('base64')}`));
      expect(run(h1a({ 'webhook-signature': [...noise, ...bogus(9), v1a()].join(' ') }), body, NOW, asym)).toEqual({ deliveryId: ID, toleranceSeconds: 300 });
    });
  });

  it('refuses bad public keys at build time without echoing them', () => {
    for (const key of [SECRET, 'whpk_', 'whpk_not*base64', `whpk_${Buffer.alloc(31).toString('base64')}`, PK.slice(5)]) {
      expect(() => standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [key] })).toThrow(
        expect.objectContaining({ code: 'invalid_config', message: expect.not.stringContaining(key.slice(6, 20) || '\u0000') }),
      );
    }
    expect(() => standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
