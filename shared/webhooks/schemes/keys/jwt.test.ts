import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  errors as joseErrors, exportJWK, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT, UnsecuredJWT,
  type CryptoKey, type JWTPayload, type JWTVerifyOptions,
} from 'jose';
import { fixedClock, platformHttp } from '../../../ports';
import { silentLogger } from '../../../log/json-logger';
import type { SchemeEnv } from '../../scheme';
import type { VerifyInput } from '../../types';
import { jwtScheme } from './jwt';
import { parseConfig, verdictAsync } from './test-kit';

// Oracles: the RS256 example of RFC 7515 Appendix A.2 (its public key as a JWK), and tokens
// signed by jose itself (HS256, RS256, ES256, EdDSA).
const RFC7515_A2 = {
  token: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
  jwk: '{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}',
  exp: 1300819380,
};
const NOW = 1_700_000_000_000;
const T = NOW / 1000;
const SECRET = 'hs256-secret-of-exactly-32-bytes';
const env: SchemeEnv = { http: platformHttp, clock: fixedClock(NOW), logger: silentLogger };
const build = (over: Record<string, unknown>) => jwtScheme(parseConfig({ scheme: 'jwt', ...over }), env).verify;
const input = (token: string | undefined, now = NOW, h: Record<string, string> = {}): VerifyInput => ({
  headers: new Headers(token === undefined ? h : { authorization: `Bearer ${token}`, ...h }),
  body: Buffer.from('{"event":{"id":"evt_42"}}'), url: 'https://x/', now,
});
const CLAIMS = { iss: 'https://sender.example', aud: 'secorch', iat: T, exp: T + 300 };
const signed = (key: CryptoKey | Uint8Array, alg: string, claims: JWTPayload = CLAIMS, kid?: string) =>
  new SignJWT(claims).setProtectedHeader(kid ? { alg, kid } : { alg }).sign(key);
/** jose's own verdict on a token (the oracle), at the tests' clock. */
const joseAccepts = (token: string, key: CryptoKey | Uint8Array, options: JWTVerifyOptions) =>
  jwtVerify(token, key, { currentDate: new Date(NOW), ...options }).then(() => true, () => false);
/** One character changed well inside the text (the last base64url character may carry unused bits). */
const flip = (t: string, from = 10) => {
  const i = t.length - from;
  return `${t.slice(0, i)}${t[i] === 'A' ? 'B' : 'A'}${t.slice(i + 1)}`;
};

let rs: CryptoKeyPair;
let rsOther: CryptoKeyPair;
let es: CryptoKeyPair;
let ed: CryptoKeyPair;
let RS_PEM: string;
beforeAll(async () => {
  [rs, rsOther, es, ed] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('EdDSA')]);
  RS_PEM = await exportSPKI(rs.publicKey);
});

describe('jwt: the RFC 7515 A.2 example token', () => {
  const verify = () => build({ algorithms: ['RS256'], publicKeys: [RFC7515_A2.jwk] });
  const at = (s: number) => s * 1000;

  it.each([
    ['accepted before exp', RFC7515_A2.exp - 1, 'accepted'],
    ['accepted 29 s after exp (default 30 s leeway)', RFC7515_A2.exp + 29, 'accepted'],
    ['expired 30 s after exp', RFC7515_A2.exp + 30, 'credential_invalid'],
  ])('is %s', async (_, now, expected) => {
    expect(await verdictAsync(() => verify()(input(RFC7515_A2.token, at(now))))).toBe(expected);
  });

  it('is rejected with one byte changed in its signature, payload or header', async () => {
    const [h, p, s] = RFC7515_A2.token.split('.') as [string, string, string];
    for (const t of [`${h}.${p}.${flip(s)}`, `${h}.${flip(p)}.${s}`, `${flip(h, 5)}.${p}.${s}`]) {
      expect(await verdictAsync(() => verify()(input(t, at(RFC7515_A2.exp - 1))))).toBe('credential_invalid');
    }
  });
});

describe('jwt: algorithms and keys', () => {
  it.each(['RS256', 'ES256', 'EdDSA', 'HS256'])('verifies %s with its configured key', async (alg) => {
    const pair = { RS256: rs, ES256: es, EdDSA: ed }[alg];
    const keys = pair ? { publicKeys: [alg === 'ES256' ? JSON.stringify(await exportJWK(pair.publicKey)) : await exportSPKI(pair.publicKey)] } : { secret: SECRET };
    const verify = build({ algorithms: [alg], ...keys, issuer: CLAIMS.iss, audience: 'secorch' });
    const key = pair ? pair.privateKey : new TextEncoder().encode(SECRET);
    const token = await signed(key, alg);
    expect(await verify(input(token))).toEqual({});
    expect(await verdictAsync(() => verify(input(flip(token))))).toBe('credential_invalid');
  });

  it('rejects a token signed by another key, or with a secret one character off', async () => {
    expect(await verdictAsync(async () => build({ algorithms: ['RS256'], publicKeys: [RS_PEM] })(input(await signed(rsOther.privateKey, 'RS256'))))).toBe('credential_invalid');
    const off = new TextEncoder().encode(`${SECRET.slice(0, -1)}X`);
    expect(await verdictAsync(async () => build({ algorithms: ['HS256'], secret: SECRET })(input(await signed(off, 'HS256'))))).toBe('credential_invalid');
  });

  it('refuses alg "none" always, in any spelling, and cannot be configured to accept it', async () => {
    const unsecured = new UnsecuredJWT(CLAIMS).encode();
    expect(await verdictAsync(() => build({ algorithms: ['RS256'], publicKeys: [RS_PEM] })(input(unsecured)))).toBe('credential_invalid');
    for (const alg of ['None', 'NONE']) {
      const t = `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.${unsecured.split('.')[1]}.`;
      expect(await verdictAsync(() => build({ algorithms: ['HS256'], secret: SECRET })(input(t)))).toBe('credential_invalid');
    }
    expect(() => parseConfig({ scheme: 'jwt', algorithms: ['none'], secret: SECRET })).toThrow();
  });

  it('never lets the RSA public key serve as an HMAC secret (RS256/HS256 key confusion)', async () => {
    const forged = await signed(new TextEncoder().encode(RS_PEM), 'HS256');
    // The forgery is a valid HS256 token for anyone who treats the PEM text as the secret:
    await expect(jwtVerify(forged, new TextEncoder().encode(RS_PEM), { algorithms: ['HS256'], currentDate: new Date(NOW) })).resolves.toBeDefined();
    // jose alone refuses the public key object for HS256 ...
    await expect(jwtVerify(forged, createPublicKey(RS_PEM), { algorithms: ['HS256'], currentDate: new Date(NOW) })).rejects.toThrow(TypeError);
    // ... and we never hand it one: refused when HS256 is not allowed, and when it is (only secrets verify HS*).
    expect(await verdictAsync(() => build({ algorithms: ['RS256'], publicKeys: [RS_PEM] })(input(forged)))).toBe('credential_invalid');
    const mixed = build({ algorithms: ['RS256', 'HS256'], publicKeys: [RS_PEM], secret: SECRET });
    expect(await verdictAsync(() => mixed(input(forged)))).toBe('credential_invalid');
    expect(await verdictAsync(async () => mixed(input(await signed(rs.privateKey, 'RS256'))))).toBe('accepted');
  });

  it('refuses an algorithm left out of algorithms even when the configured key could verify it', async () => {
    // One RSA key signs RS256, RS384 and PS256 alike: only the allowlist tells them apart.
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const verify = build({ algorithms: ['RS256'], publicKeys: [spki] });
    for (const alg of ['RS384', 'PS256']) {
      const token = await signed(await importPKCS8(pkcs8, alg), alg);
      const publicKey = await importSPKI(spki, alg);
      await expect(jwtVerify(token, publicKey, { algorithms: ['RS256'], currentDate: new Date(NOW) })).rejects.toThrow(joseErrors.JOSEAlgNotAllowed);
      expect(await joseAccepts(token, publicKey, { algorithms: [alg] })).toBe(true);
      expect(await verdictAsync(() => verify(input(token)))).toBe('credential_invalid');
    }
    expect(await verdictAsync(async () => verify(input(await signed(await importPKCS8(pkcs8, 'RS256'), 'RS256'))))).toBe('accepted');
  });

  it('tries only keys of the token algorithm\'s type when several types are configured', async () => {
    const verify = build({ algorithms: ['RS256', 'ES256'], publicKeys: [RS_PEM, JSON.stringify(await exportJWK(es.publicKey))] });
    expect(await verdictAsync(async () => verify(input(await signed(es.privateKey, 'ES256'))))).toBe('accepted');
    expect(await verdictAsync(async () => verify(input(await signed(rs.privateKey, 'RS256'))))).toBe('accepted');
  });

  it('picks the key by kid among several', async () => {
    const jwk = async (k: CryptoKey, kid: string) => JSON.stringify({ ...(await exportJWK(k)), kid });
    const verify = build({ algorithms: ['RS256'], publicKeys: [await jwk(rsOther.publicKey, 'old'), await jwk(rs.publicKey, 'new')] });
    expect(await verdictAsync(async () => verify(input(await signed(rs.privateKey, 'RS256', CLAIMS, 'new'))))).toBe('accepted');
    expect(await verdictAsync(async () => verify(input(await signed(rs.privateKey, 'RS256', CLAIMS, 'old'))))).toBe('credential_invalid');
    expect(await verdictAsync(async () => verify(input(await signed(rs.privateKey, 'RS256'))))).toBe('accepted');
  });
});

describe('jwt: claims and the injected clock', () => {
  const verify = () => build({ algorithms: ['HS256'], secret: SECRET, issuer: CLAIMS.iss, audience: ['secorch', 'other'] });
  const key = new TextEncoder().encode(SECRET);
  const check = async (claims: JWTPayload, now = NOW) => verdictAsync(async () => verify()(input(await signed(key, 'HS256', claims), now)));

  it.each<[string, JWTPayload, number]>([
    ['another issuer', { ...CLAIMS, iss: 'https://evil.example' }, NOW],
    ['another audience', { ...CLAIMS, aud: 'someone-else' }, NOW],
    ['no exp', { iss: CLAIMS.iss, aud: 'secorch' }, NOW],
    ['exp 30 s before now', { ...CLAIMS, exp: T - 30 }, NOW],
    ['nbf 31 s after now', { ...CLAIMS, nbf: T + 31 }, NOW],
    ['a valid token read 330 s later by the clock', CLAIMS, NOW + 330_000],
  ])('rejects %s', async (_, claims, now) => {
    expect(await check(claims, now)).toBe('credential_invalid');
  });

  it.each<[string, JWTPayload]>([
    ['exp 29 s before now (leeway)', { ...CLAIMS, exp: T - 29 }],
    ['nbf 30 s after now (leeway)', { ...CLAIMS, nbf: T + 30 }],
    ['the second audience', { ...CLAIMS, aud: 'other' }],
  ])('accepts %s', async (_, claims) => {
    expect(await check(claims)).toBe('accepted');
  });

  it.each<[string, JWTPayload['aud'], string]>([
    ['accepts an aud array that names ours after another one', ['someone-else', 'other'], 'accepted'],
    ['accepts an aud array that names ours first', ['secorch', 'someone-else'], 'accepted'],
    ['rejects an aud array that names none of ours', ['someone-else', 'nobody'], 'credential_invalid'],
  ])('%s, as jose does', async (_, aud, expected) => {
    const token = await signed(key, 'HS256', { ...CLAIMS, aud });
    expect(await joseAccepts(token, key, { algorithms: ['HS256'], issuer: CLAIMS.iss, audience: ['secorch', 'other'] })).toBe(expected === 'accepted');
    expect(await verdictAsync(() => verify()(input(token)))).toBe(expected);
  });

  it('accepts any issuer of a configured list, as jose does, and no other', async () => {
    const issuers = ['https://old-sender.example', CLAIMS.iss];
    const listed = build({ algorithms: ['HS256'], secret: SECRET, issuer: issuers, audience: 'secorch' });
    for (const [iss, expected] of [[CLAIMS.iss, 'accepted'], [issuers[0]!, 'accepted'], ['https://evil.example', 'credential_invalid']] as const) {
      const token = await signed(key, 'HS256', { ...CLAIMS, iss });
      expect(await joseAccepts(token, key, { algorithms: ['HS256'], issuer: issuers, audience: 'secorch' })).toBe(expected === 'accepted');
      expect(await verdictAsync(() => listed(input(token)))).toBe(expected);
    }
  });

  it('refuses a remembered token from the same instant as a token it sees for the first time (exp plus leeway)', async () => {
    const token = await signed(key, 'HS256');
    const edge = (CLAIMS.exp + 30) * 1000; // jose: expired once exp <= now - tolerance, in whole seconds
    expect(await joseAccepts(token, key, { algorithms: ['HS256'], clockTolerance: 30, currentDate: new Date(edge) })).toBe(false);
    expect(await joseAccepts(token, key, { algorithms: ['HS256'], clockTolerance: 30, currentDate: new Date(edge - 1) })).toBe(true);
    const warm = verify();
    expect(await verdictAsync(() => warm(input(token)))).toBe('accepted');
    expect(await verdictAsync(() => warm(input(token, edge - 1)))).toBe('accepted');
    expect(await verdictAsync(() => warm(input(token, edge)))).toBe('credential_invalid');
    expect(await verdictAsync(() => verify()(input(token, edge)))).toBe('credential_invalid');
  });

  it('takes clockToleranceSeconds and maxTokenAgeSeconds from the configuration', async () => {
    const strict = build({ algorithms: ['HS256'], secret: SECRET, clockToleranceSeconds: 0, maxTokenAgeSeconds: 60 });
    expect(await verdictAsync(async () => strict(input(await signed(key, 'HS256', { ...CLAIMS, exp: T }))))).toBe('credential_invalid');
    expect(await verdictAsync(async () => strict(input(await signed(key, 'HS256', { ...CLAIMS, iat: T - 61 }))))).toBe('credential_invalid');
    expect(await verdictAsync(async () => strict(input(await signed(key, 'HS256', { ...CLAIMS, iat: T - 60 }))))).toBe('accepted');
  });
});
