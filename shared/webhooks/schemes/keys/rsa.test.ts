import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { fixtureBytes } from '../../../../test/fixtures';
import type { VerifyInput } from '../../types';
import { parseConfig, verdict } from './test-kit';
import { rsaVerifier } from './rsa';

// Oracle: node:crypto signs as a sender would (RSASSA-PKCS1-v1_5 / RSASSA-PSS with SHA-256, RFC 8017).
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000);
const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const [a, b] = [rsa(), rsa()];
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
const signWith = (key: KeyObject, content: Buffer, pss = false) => sign('sha256', content, pss ? { key, ...PSS } : key);
const config = (over: Record<string, unknown> = {}) => parseConfig({ scheme: 'rsa', publicKeys: [pem(a.publicKey)], header: 'X-Signature', ...over });
const input = (h: Record<string, string>, bytes: Buffer = body): VerifyInput => ({ headers: new Headers(h), body: bytes, url: 'https://x/', now: NOW });
const tampered = Buffer.from(body);
tampered[100] = tampered[100]! ^ 0x01;

describe('rsa verifier, PKCS#1 v1.5, base64, body only', () => {
  const verify = rsaVerifier(config());
  const sig = signWith(a.privateKey, body).toString('base64');
  const flipped = Buffer.from(sig, 'base64');
  flipped[0] = flipped[0]! ^ 0x80;

  it('accepts a signature over the body and dedupes on the signature', () => {
    expect(verify(input({ 'x-signature': sig }))).toEqual({ signature: sig });
  });

  it.each<[string, Record<string, string>, Buffer?, string?]>([
    ['a body with one bit changed', { 'x-signature': sig }, tampered],
    ['a signature with one bit flipped', { 'x-signature': flipped.toString('base64') }],
    ['a signature by another key', { 'x-signature': signWith(b.privateKey, body).toString('base64') }],
    ['a PSS signature (padding mismatch)', { 'x-signature': signWith(a.privateKey, body, true).toString('base64') }],
    ['a signature in hex', { 'x-signature': Buffer.from(sig, 'base64').toString('hex') }],
    ['a truncated signature', { 'x-signature': sig.slice(0, 340) }],
    ['no signature header', {}, body, 'signature_missing'],
  ])('rejects %s', (_, h, bytes = body, code = 'signature_invalid') => {
    expect(verdict(() => verify(input(h, bytes)))).toBe(code);
  });

  it('accepts any of several public keys (rotation)', () => {
    const both = rsaVerifier(config({ publicKeys: [pem(a.publicKey), pem(b.publicKey)] }));
    const byB = signWith(b.privateKey, body).toString('base64');
    expect(both(input({ 'x-signature': byB }))).toEqual({ signature: byB });
  });
});

describe('rsa verifier, PSS, hex with prefix, timestamp and id', () => {
  const over = { padding: 'pss', encoding: 'hex', prefix: 'rsa-sha256=', timestampHeader: 'X-Timestamp', idHeader: 'X-Id', signedContent: '{id}.{timestamp}.{body}' };
  const verify = rsaVerifier(config(over));
  const content = (id: string, ts: string, bytes = body) => Buffer.concat([Buffer.from(`${id}.${ts}.`), bytes]);
  const sig = (id = 'd-1', ts = TS, key = a.privateKey) => `rsa-sha256=${signWith(key, content(id, ts), true).toString('hex')}`;
  const h = (o: Record<string, string> = {}) => ({ 'x-signature': sig(), 'x-timestamp': TS, 'x-id': 'd-1', ...o });

  it('accepts, with the id as delivery id and the tolerance for the replay record', () => {
    expect(verify(input(h()))).toEqual({ deliveryId: 'd-1', toleranceSeconds: 300 });
    expect(verify(input(h({ 'x-signature': sig().toUpperCase().replace('RSA-SHA256=', 'rsa-sha256=') })))).toMatchObject({ deliveryId: 'd-1' });
  });

  it.each<[string, Record<string, string>, Buffer?, string?]>([
    ['a body with one bit changed', h(), tampered],
    ['another id', h({ 'x-id': 'd-2' })],
    ['a timestamp moved by one second', h({ 'x-timestamp': String(Number(TS) + 1) })],
    ['a signature without its prefix', h({ 'x-signature': sig().slice('rsa-sha256='.length) })],
    ['a PKCS#1 v1.5 signature', h({ 'x-signature': `rsa-sha256=${signWith(a.privateKey, content('d-1', TS)).toString('hex')}` })],
    ['no id header', { 'x-signature': sig(), 'x-timestamp': TS }, body, 'delivery_id_missing'],
    ['no timestamp header', { 'x-signature': sig(), 'x-id': 'd-1' }, body, 'timestamp_missing'],
    ['a timestamp 301 s old', h({ 'x-timestamp': String(Number(TS) - 301), 'x-signature': sig('d-1', String(Number(TS) - 301)) }), body, 'timestamp_too_old'],
  ])('rejects %s', (_, headers, bytes = body, code = 'signature_invalid') => {
    expect(verdict(() => verify(input(headers, bytes)))).toBe(code);
  });

  it('accepts a PSS signature whatever salt length the sender chose (none, 20 bytes, the maximum)', () => {
    // RSASSA-PSS leaves the salt length to the signer (RFC 8017 section 9.1); node:crypto signs with each.
    for (const saltLength of [0, 20, constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
      const s = sign('sha256', content('d-1', TS), { key: a.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      expect(verdict(() => verify(input(h({ 'x-signature': `rsa-sha256=${s.toString('hex')}` }))))).toBe('accepted');
    }
  });

  it('dedupes on the canonical signature text when there is no id (hex case does not make a new one)', () => {
    const noId = rsaVerifier(config({ ...over, idHeader: undefined, signedContent: '{timestamp}.{body}' }));
    const s = signWith(a.privateKey, Buffer.concat([Buffer.from(`${TS}.`), body]), true).toString('hex');
    const upper = noId(input({ 'x-signature': `rsa-sha256=${s.toUpperCase()}`, 'x-timestamp': TS }));
    expect(upper).toEqual({ signature: s, toleranceSeconds: 300 });
  });
});

describe('rsa verifier, PSS, a signature that starts with a zero byte', () => {
  // About one PSS signature in 256 starts with 0x00. OpenSSL also accepts it without that byte
  // (it checks the length for PKCS#1 v1.5 only), which would be a second replay key for one
  // signature; RFC 8017 8.1.2: a signature that is not k octets long is invalid.
  const verify = rsaVerifier(config({ padding: 'pss' }));
  let n = 0;
  let zeroLed: { bytes: Buffer; sig: Buffer } | undefined;
  while (!zeroLed) {
    const bytes = Buffer.from(JSON.stringify({ n: n++ }));
    const s = signWith(a.privateKey, bytes, true);
    if (s[0] === 0) zeroLed = { bytes, sig: s };
  }
  const { bytes, sig } = zeroLed;

  it('accepts it at the modulus length and refuses it shortened', () => {
    expect(verify(input({ 'x-signature': sig.toString('base64') }, bytes))).toEqual({ signature: sig.toString('base64') });
    expect(verdict(() => verify(input({ 'x-signature': sig.subarray(1).toString('base64') }, bytes)))).toBe('signature_invalid');
  });

  it('refuses a signature one byte longer (a zero in front)', () => {
    const longer = Buffer.concat([Buffer.alloc(1), sig]).toString('base64');
    expect(verdict(() => verify(input({ 'x-signature': longer }, bytes)))).toBe('signature_invalid');
  });
});

describe('rsa configuration', () => {
  const weak = rsa(1024);
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a private key', { publicKeys: [a.privateKey.export({ type: 'pkcs8', format: 'pem' })] }, /private key/],
    ['a 1024-bit key', { publicKeys: [pem(weak.publicKey)] }, /at least 2048/],
    ['an EC key', { publicKeys: [pem(ec.publicKey)] }, /RSA keys/],
    ['text that is no key', { publicKeys: ['-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----'] }, /not a PEM/],
    ['an unknown placeholder', { signedContent: '{nonce}.{body}' }, /unknown placeholder/],
    ['{timestamp} without timestampHeader', { signedContent: '{timestamp}.{body}' }, /timestampHeader/],
    ['a template without {body}', { signedContent: '{id}', idHeader: 'X-Id' }, /must contain \{body\}/],
    ['toleranceSeconds without timestampHeader', { toleranceSeconds: 60 }, /needs a timestampHeader/],
  ])('refuses %s', (_, over, message) => {
    expect(() => rsaVerifier(config(over))).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(message) }));
  });
});
