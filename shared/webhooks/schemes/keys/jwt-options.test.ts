import { generateKeyPairSync } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { AppError } from '../../../errors';
import { silentLogger } from '../../../log/json-logger';
import { fixedClock, platformHttp } from '../../../ports';
import type { SchemeEnv } from '../../scheme';
import type { VerifyInput } from '../../types';
import { jwtScheme } from './jwt';
import { parseConfig, verdictAsync } from './test-kit';

// Where the token is read, what the result carries, and which configurations are refused.
const NOW = 1_700_000_000_000;
const T = NOW / 1000;
const SECRET = 'hs256-secret-of-exactly-32-bytes';
const env: SchemeEnv = { http: platformHttp, clock: fixedClock(NOW), logger: silentLogger };
const build = (over: Record<string, unknown> = {}) => jwtScheme(parseConfig({ scheme: 'jwt', algorithms: ['HS256'], secret: SECRET, ...over }), env).verify;
const token = (claims: Record<string, unknown> = {}) =>
  new SignJWT({ exp: T + 60, jti: 'token-id-1', ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
const input = (headers: Record<string, string>, body = '{"event":{"id":"evt_42"}}'): VerifyInput =>
  ({ headers: new Headers(headers), body: Buffer.from(body), url: 'https://x/', now: NOW });
async function failure(p: unknown): Promise<AppError> {
  const e = await Promise.resolve(p).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('jwt token location and result', () => {
  it('reads a Bearer token (scheme name in any case) and does not take jti as the delivery id', async () => {
    expect(await build()(input({ authorization: `Bearer ${await token()}` }))).toEqual({});
    expect(await build()(input({ authorization: `bearer ${await token()}` }))).toEqual({});
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
  ])('answers 401 credential_missing with a Bearer challenge for %s', async (_, headers) => {
    const e = await failure(build()(input(headers)));
    expect([e.code, e.status, e.headers['www-authenticate']]).toEqual(['credential_missing', 401, 'Bearer']);
  });

  it.each([
    ['no such header', {}],
    ['an empty one', { 'x-webhook-token': ' ' }],
    ['the token in Authorization instead', { authorization: 'Bearer a.b.c' }],
  ])('answers 401 credential_missing with a Bearer challenge (RFC 6750 section 3) for a configured header: %s', async (_, headers) => {
    const e = await failure(build({ header: 'X-Webhook-Token' })(input(headers)));
    expect([e.code, e.status, e.headers['www-authenticate']]).toEqual(['credential_missing', 401, 'Bearer']);
  });

  it('answers credential_invalid with an invalid_token challenge for a malformed token', async () => {
    const e = await failure(build()(input({ authorization: 'Bearer not.a.jwt' })));
    expect([e.code, e.headers['www-authenticate']]).toEqual(['credential_invalid', 'Bearer error="invalid_token"']);
  });

  it('reads a configured header, with or without "Bearer "', async () => {
    const verify = build({ header: 'X-Webhook-Token' });
    const t = await token();
    expect(await verdictAsync(() => verify(input({ 'x-webhook-token': t })))).toBe('accepted');
    expect(await verdictAsync(() => verify(input({ 'x-webhook-token': `Bearer ${t}` })))).toBe('accepted');
    expect(await verdictAsync(() => verify(input({ authorization: `Bearer ${t}` })))).toBe('credential_missing');
  });

  it('gives a delivery id from idPath or idHeader', async () => {
    const t = await token();
    expect(await build({ idPath: 'event.id' })(input({ authorization: `Bearer ${t}` }))).toEqual({ deliveryId: 'evt_42' });
    expect(await build({ idHeader: 'X-Delivery' })(input({ authorization: `Bearer ${t}`, 'x-delivery': 'd7' }))).toEqual({ deliveryId: 'd7' });
  });
});

describe('jwt configuration', () => {
  let rsPem: string;
  let rsPrivate: string;
  let rs1024: string;
  let rs1024Jwk: string;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    [rsPem, rsPrivate] = await Promise.all([exportSPKI(pair.publicKey), exportPKCS8(pair.privateKey)]);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    rs1024 = weak.export({ type: 'spki', format: 'pem' }) as string;
    rs1024Jwk = JSON.stringify({ ...weak.export({ format: 'jwk' }), kid: 'weak' });
  });

  it.each<[string, () => Record<string, unknown>, RegExp]>([
    ['HS256 without secrets', () => ({ secret: undefined }), /HS256 has no key/],
    ['RS256 without a key', () => ({ algorithms: ['RS256'], secret: undefined }), /RS256 has no key/],
    ['secrets without an HS algorithm', () => ({ algorithms: ['RS256'], publicKeys: [rsPem] }), /no HS\* algorithm/],
    ['a secret shorter than the hash', () => ({ secret: 'short-secret' }), /at least 32 bytes/],
    ['HS512 with a 32-byte secret', () => ({ algorithms: ['HS512'] }), /at least 64 bytes/],
    ['a private key as public key', () => ({ algorithms: ['RS256'], secret: undefined, publicKeys: [rsPrivate] }), /private key/],
    ['a private JWK', () => ({ algorithms: ['ES256'], secret: undefined, publicKeys: ['{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}'] }), /private JWK/],
    ['an HMAC JWK as public key', () => ({ publicKeys: ['{"kty":"oct","k":"c2VjcmV0"}'] }), /as secrets/],
    ['a 1024-bit RSA key', () => ({ algorithms: ['RS256'], secret: undefined, publicKeys: [rs1024] }), /2048/],
    ['a 1024-bit RSA key given as a JWK', () => ({ algorithms: ['RS256'], secret: undefined, publicKeys: [rs1024Jwk] }), /2048/],
    ['a key that fits no algorithm', () => ({ algorithms: ['ES256', 'HS256'], publicKeys: [rsPem] }), /fits none|ES256 has no key/],
    ['a jwksUrl without audience', () => ({ algorithms: ['RS256'], secret: undefined, jwksUrl: 'https://idp.example/jwks' }), /needs audience/],
    ['idHeader with idPath', () => ({ idHeader: 'X-Id', idPath: 'id' }), /not both/],
  ])('refuses %s', (_, over, message) => {
    expect(() => build(over())).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(message) }));
  });

  it('requires a non-empty algorithms list in the schema', () => {
    expect(() => parseConfig({ scheme: 'jwt', secret: SECRET })).toThrow();
    expect(() => parseConfig({ scheme: 'jwt', algorithms: [], secret: SECRET })).toThrow();
    expect(() => parseConfig({ scheme: 'jwt', algorithms: ['HS256'], secret: SECRET, leeway: 5 })).toThrow();
  });
});
