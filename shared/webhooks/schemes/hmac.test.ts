import { createHmac } from 'node:crypto';
import { fixtureBytes } from '../../../test/fixtures';
import { AppError } from '../../errors';
import { type HmacVerifyConfig, hmacVerifier } from './hmac';

const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000);
const SECRET = 'hmac-secret';
const base: HmacVerifyConfig = { scheme: 'hmac', secret: SECRET, header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: '{body}' };
// Slack-like: "v0=" + base64 HMAC-SHA512 over "v0:{timestamp}:{body}", with a delivery id header.
const slackish: HmacVerifyConfig = {
  ...base, algorithm: 'sha512', encoding: 'base64', prefix: 'v0=', timestampHeader: 'X-Timestamp', idHeader: 'X-Delivery', signedContent: 'v0:{timestamp}:{id}:{body}',
};
const mac = (alg: string, enc: 'hex' | 'base64', ...parts: (string | Buffer)[]) => {
  const h = createHmac(alg, SECRET);
  for (const p of parts) h.update(p);
  return h.digest(enc);
};
const slackSig = (ts = TS, id = 'd-1', bytes: Buffer = body) => `v0=${mac('sha512', 'base64', `v0:${ts}:${id}:`, bytes)}`;
const req = (h: Record<string, string>, bytes: Buffer = body, now = NOW) => ({ headers: new Headers(h), body: bytes, url: 'https://x/', now });
const slackHeaders = (over: Record<string, string> = {}, ts = TS) => ({ 'x-signature': slackSig(ts), 'x-timestamp': ts, 'x-delivery': 'd-1', ...over });

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

describe('hmac verifier', () => {
  const plain = hmacVerifier(base);
  const slack = hmacVerifier(slackish);

  it('verifies a hex SHA-256 of the body by default and rejects a one-byte change', () => {
    expect(plain(req({ 'x-signature': mac('sha256', 'hex', body) }))).toEqual({ signature: mac('sha256', 'hex', body) });
    const tampered = Buffer.from(body);
    tampered[7] = tampered[7]! + 1;
    expect(codeOf(() => plain(req({ 'x-signature': mac('sha256', 'hex', body) }, tampered)))).toBe('signature_invalid');
    expect(codeOf(() => plain(req({})))).toBe('signature_missing');
  });

  it('verifies sha512/base64 with a prefix and a {timestamp}/{id} template, returning the id', () => {
    expect(slack(req(slackHeaders()))).toEqual({ deliveryId: 'd-1', toleranceSeconds: 300 });
  });

  it.each<[string, Record<string, string>, string]>([
    ['a header without the prefix', { 'x-signature': slackSig().slice(3) }, 'signature_invalid'],
    ['a SHA-256 signature', { 'x-signature': `v0=${mac('sha256', 'base64', `v0:${TS}:d-1:`, body)}` }, 'signature_invalid'],
    ['a hex signature', { 'x-signature': `v0=${mac('sha512', 'hex', `v0:${TS}:d-1:`, body)}` }, 'signature_invalid'],
    ['another signed timestamp', { 'x-timestamp': String(Number(TS) - 1) }, 'signature_invalid'],
    ['another delivery id', { 'x-delivery': 'd-2' }, 'signature_invalid'],
    ['a body-only signature', { 'x-signature': `v0=${mac('sha512', 'base64', body)}` }, 'signature_invalid'],
    ['an empty signature header', { 'x-signature': '' }, 'signature_missing'],
    ['a non-integer timestamp', { 'x-timestamp': '1.7e9' }, 'timestamp_invalid'],
  ])('rejects %s', (_, over, code) => {
    expect(codeOf(() => slack(req(slackHeaders(over))))).toBe(code);
  });

  it.each([['x-timestamp', 'timestamp_missing'], ['x-delivery', 'delivery_id_missing']])('needs the %s header the template signs', (name, code) => {
    const h: Record<string, string> = slackHeaders();
    delete h[name];
    expect(codeOf(() => slack(req(h)))).toBe(code);
  });

  it.each([[-300, 'accepted'], [300, 'accepted'], [-301, 'timestamp_too_old'], [301, 'timestamp_too_new']])(
    'applies the default 300 s window to a timestamp %i s from now: %s',
    (offset, expected) => {
      const ts = String(Number(TS) + offset);
      expect(codeOf(() => slack(req(slackHeaders({}, ts))))).toBe(expected);
    },
  );

  it('hashes the raw bytes of a body that is not UTF-8', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
    expect(slack(req(slackHeaders({ 'x-signature': slackSig(TS, 'd-1', raw) }), raw)).deliveryId).toBe('d-1');
  });

  it('accepts every secret of a rotation and nothing else', () => {
    const rotating = hmacVerifier({ ...base, secret: undefined, secrets: ['old', 'new'] });
    const sig = (s: string) => createHmac('sha256', s).update(body).digest('hex');
    expect(codeOf(() => rotating(req({ 'x-signature': sig('old') })))).toBe('accepted');
    expect(codeOf(() => rotating(req({ 'x-signature': sig('new') })))).toBe('accepted');
    expect(codeOf(() => rotating(req({ 'x-signature': sig('third') })))).toBe('signature_invalid');
  });

  it.each<[string, Partial<HmacVerifyConfig>]>([
    ['an unknown placeholder', { signedContent: '{nonce}.{body}' }],
    ['{timestamp} without timestampHeader', { signedContent: '{timestamp}.{body}' }],
    ['{id} without idHeader', { signedContent: '{id}.{body}' }],
    ['a template without {body}', { signedContent: '{timestamp}', timestampHeader: 'X-Ts' }],
    ['toleranceSeconds without timestampHeader', { toleranceSeconds: 60 }],
  ])('refuses %s at build time', (_, over) => {
    expect(() => hmacVerifier({ ...base, ...over })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
