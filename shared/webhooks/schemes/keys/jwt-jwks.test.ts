import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AppError } from '../../../errors';
import { guardedHttp } from '../../../http/egress';
import { silentLogger } from '../../../log/json-logger';
import { fixedClock, type HttpClient, platformHttp } from '../../../ports';
import type { SchemeEnv } from '../../scheme';
import { jwtScheme } from './jwt';
import { MAX_JWKS_BYTES } from './jwt-jwks';
import { JWKS_RETRY_MS } from './jwt-jwks-retry';
import { parseConfig, verdictAsync } from './test-kit';

// A real JWKS endpoint on 127.0.0.1 (node:http), reached through the egress guard; it counts hits.
const NOW = 1_700_000_000_000;
const T = NOW / 1000;
const CLAIMS = { iss: 'https://idp.example', aud: 'secorch', iat: T, exp: T + 300 };
let server: Server;
let port: number;
let hits = 0;
let keys: JWK[] = [];
let status = 200;
/** Characters of filler added to the key set's JSON (a key server answering far more than keys). */
let padding = 0;
let signer: CryptoKey;
let spare: CryptoKey;
let spareJwk: () => Promise<JWK>;
let rsPem: string;
const resolve = async (host: string) => ({ 'jwks.test': ['127.0.0.1'], 'keys.example': ['93.184.216.34'] })[host] ?? [];

beforeAll(async () => {
  const [a, b] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
  signer = a.privateKey;
  spare = b.privateKey;
  spareJwk = () => exportJWK(b.publicKey);
  keys = [{ ...(await exportJWK(a.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  server = createServer((_, res) => {
    hits += 1;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(padding ? { keys, filler: 'x'.repeat(padding) } : { keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  rsPem = await exportSPKI(a.publicKey);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  hits = 0;
  status = 200;
  padding = 0;
});

const envWith = (http: HttpClient): SchemeEnv => ({ http, clock: fixedClock(NOW), logger: silentLogger });
const allowLocal = () => envWith(guardedHttp(platformHttp, { allowPrivate: ['127.0.0.1/32'], resolve }));
const scheme = (env: SchemeEnv, over: Record<string, unknown> = {}) =>
  jwtScheme(parseConfig({ scheme: 'jwt', algorithms: ['RS256'], jwksUrl: `http://127.0.0.1:${port}/jwks.json`, audience: 'secorch', issuer: CLAIMS.iss, ...over }), env).verify;
const token = (key = signer, kid: string | undefined = 'k1') => new SignJWT(CLAIMS).setProtectedHeader(kid ? { alg: 'RS256', kid } : { alg: 'RS256' }).sign(key);
const req = (t: string) => ({ headers: new Headers({ authorization: `Bearer ${t}` }), body: new Uint8Array(), url: 'https://x/', now: NOW });
const failure = async (p: unknown): Promise<AppError> => {
  const e = await Promise.resolve(p).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
};

describe('jwt with a JWKS URL', () => {
  it('fetches the key set once for two verifications (cache)', async () => {
    const verify = scheme(allowLocal());
    expect(await verify(req(await token()))).toEqual({});
    expect(await verify(req(await token()))).toEqual({});
    expect(hits).toBe(1);
  });

  it('on an unknown kid refetches at most once per cooldown (30 s), which picks up a rotated key', async () => {
    // jose's cache runs on Date.now (its own clock, not ours): moved by hand here.
    let wall = 1_800_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => wall);
    const verify = scheme(allowLocal());
    await verify(req(await token()));
    const rotated = await exportJWK((await generateKeyPair('RS256')).publicKey);
    const before = keys;
    try {
      expect(await verdictAsync(async () => verify(req(await token(spare, 'k2'))))).toBe('credential_invalid');
      expect(hits).toBe(1);
      keys = [...keys, { ...(await spareJwk()), kid: 'k2', alg: 'RS256' }, { ...rotated, kid: 'k3' }];
      wall += 29_000;
      expect(await verdictAsync(async () => verify(req(await token(spare, 'k2'))))).toBe('credential_invalid');
      expect(hits).toBe(1);
      wall += 2_000;
      expect(await verify(req(await token(spare, 'k2')))).toEqual({});
      expect(hits).toBe(2);
    } finally {
      keys = before;
      jest.restoreAllMocks();
    }
  });

  it('takes jwksCooldownSeconds from the configuration', async () => {
    let wall = 1_850_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => wall);
    const verify = scheme(allowLocal(), { jwksCooldownSeconds: 5 });
    await verify(req(await token()));
    const before = keys;
    try {
      keys = [...keys, { ...(await spareJwk()), kid: 'k2', alg: 'RS256' }];
      wall += 4_000;
      expect(await verdictAsync(async () => verify(req(await token(spare, 'k2'))))).toBe('credential_invalid');
      expect(hits).toBe(1);
      wall += 2_000;
      expect(await verify(req(await token(spare, 'k2')))).toEqual({});
      expect(hits).toBe(2);
    } finally {
      keys = before;
      jest.restoreAllMocks();
    }
  });

  it('keeps the key set for jwksCacheSeconds, then fetches it again for a known kid too', async () => {
    let wall = 1_900_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => wall);
    // A new token each time: a token that verified is remembered and would not consult the set.
    const fresh = (n: number) => new SignJWT({ ...CLAIMS, jti: `t-${n}` }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(signer);
    try {
      const verify = scheme(allowLocal(), { jwksCacheSeconds: 60 });
      expect(await verify(req(await fresh(1)))).toEqual({});
      wall += 59_000;
      expect(await verify(req(await fresh(2)))).toEqual({});
      expect(hits).toBe(1);
      wall += 2_000;
      expect(await verify(req(await fresh(3)))).toEqual({});
      expect(hits).toBe(2);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses a token signed by an RSA key under 2048 bits served in the set, as jose does', async () => {
    // jose will not sign with such a key either: the token is signed with node:crypto.
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...(await exportJWK(weak.publicKey)), kid: 'weak', alg: 'RS256' };
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64(CLAIMS)}`;
    const weakToken = `${input}.${sign('sha256', Buffer.from(input), weak.privateKey).toString('base64url')}`;
    await expect(jwtVerify(weakToken, createLocalJWKSet({ keys: [jwk] }), { algorithms: ['RS256'], currentDate: new Date(NOW) })).rejects.toThrow(/2048/);
    const before = keys;
    keys = [...keys, jwk];
    try {
      expect(await verdictAsync(() => scheme(allowLocal())(req(weakToken)))).toBe('credential_invalid');
      expect(hits).toBe(1);
    } finally {
      keys = before;
    }
  });

  it('answers credential_invalid, not jwks_unavailable, for a token whose kid names a key jose will not import (a private JWK), warning once per fetch of the set', async () => {
    let wall = 2_000_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => wall);
    const leaked = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateJwk = { ...(await exportJWK(leaked.privateKey)), kid: 'priv', alg: 'RS256' };
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', kid: 'priv' })}.${b64(CLAIMS)}`;
    const leakedToken = `${input}.${sign('sha256', Buffer.from(input), leaked.privateKey).toString('base64url')}`;
    await expect(createLocalJWKSet({ keys: [privateJwk] })({ alg: 'RS256', kid: 'priv' })).rejects.toThrow(/must be public keys/);
    const warnings: [string, Record<string, unknown> | undefined][] = [];
    const env = { ...allowLocal(), logger: { ...silentLogger, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push([msg, fields]) } };
    const before = keys;
    keys = [...keys, privateJwk];
    try {
      const verify = scheme(env, { jwksCacheSeconds: 60 });
      for (let i = 0; i < 3; i++) {
        const e = await failure(verify(req(leakedToken)));
        expect([e.code, e.status, e.headers['retry-after'], e.headers['www-authenticate']]).toEqual(['credential_invalid', 401, undefined, 'Bearer error="invalid_token"']);
      }
      // The rest of the set is fine: its keys keep verifying.
      expect(await verify(req(await token()))).toEqual({});
      expect(hits).toBe(1);
      expect(warnings).toEqual([['jwks key unusable', expect.objectContaining({ kid: 'priv', code: 'ERR_JWKS_INVALID' })]]);
      expect(JSON.stringify(warnings)).not.toContain(privateJwk.d);
      // A new fetch of the set (the cache expired) may warn once more.
      wall += 61_000;
      expect(await verdictAsync(() => verify(req(leakedToken)))).toBe('credential_invalid');
      expect(await verdictAsync(() => verify(req(leakedToken)))).toBe('credential_invalid');
      expect(hits).toBe(2);
      expect(warnings).toHaveLength(2);
    } finally {
      keys = before;
      jest.restoreAllMocks();
    }
  });

  it('tries each key of the set when the token has no kid', async () => {
    const before = keys;
    keys = [{ ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), alg: 'RS256' }, ...keys];
    try {
      expect(await scheme(allowLocal())(req(await token(signer, undefined)))).toEqual({});
      expect(await verdictAsync(async () => scheme(allowLocal())(req(await token(spare, undefined))))).toBe('credential_invalid');
    } finally {
      keys = before;
    }
  });

  it('answers 503 jwks_unavailable (retryable, Retry-After) while the key server fails, and recovers after the retry window', async () => {
    const clock = fixedClock(NOW);
    const verify = scheme({ ...allowLocal(), clock });
    status = 500;
    const e = await failure(verify(req(await token())));
    expect([e.code, e.status, e.retryable, e.headers['retry-after']]).toEqual(['jwks_unavailable', 503, true, String(JWKS_RETRY_MS / 1000)]);
    expect(e.cause).toMatchObject({ code: 'jwks_bad_status', extra: { reason: 'status', status: 500 } });
    status = 200;
    clock.advance(JWKS_RETRY_MS);
    expect(await verify(req(await token()))).toEqual({});
    expect(hits).toBe(2);
  });

  it('reads at most MAX_JWKS_BYTES of a key set: a larger answer is jwks_unavailable, not held in memory whole', async () => {
    padding = MAX_JWKS_BYTES;
    const e = await failure(scheme(allowLocal())(req(await token())));
    expect([e.code, e.status]).toEqual(['jwks_unavailable', 503]);
    expect(e.cause).toMatchObject({ code: 'jwks_too_large' });
    // A set just under the limit, filler and all, is read as usual.
    padding = MAX_JWKS_BYTES - 10_000;
    expect(await scheme(allowLocal())(req(await token()))).toEqual({});
  });

  it('without allowPrivate, the fetch is refused by the egress guard and never reaches the server', async () => {
    const env = envWith(guardedHttp(platformHttp, { allowPrivate: [], resolve }));
    const e = await failure(scheme(env, { jwksUrl: `https://jwks.test:${port}/jwks.json` })(req(await token())));
    expect(e.code).toBe('jwks_unavailable');
    expect(e.cause).toMatchObject({ code: 'egress_denied', extra: { reason: 'private_address' } });
    expect(hits).toBe(0);
  });

  it('refuses plain http to a public address at fetch time, without a request', async () => {
    const inner = { fetch: jest.fn(platformHttp.fetch) };
    // A private range is open (so the URL passes when built), but keys.example resolves to a public address.
    const e = await failure(scheme(envWith(guardedHttp(inner, { allowPrivate: ['10.9.0.0/16'], resolve })), { jwksUrl: 'http://keys.example/jwks' })(req(await token())));
    expect(e.cause).toMatchObject({ code: 'egress_denied', extra: { reason: 'plain_http' } });
    expect(inner.fetch).not.toHaveBeenCalled();
  });

  it('plain http: the connection may reach only an allowlisted address of its own DNS answer, not the one checked before', async () => {
    // A rebinding name server (TTL 0): the check before the request sees the allowlisted address,
    // the socket's own lookup a public one, which would serve keys over cleartext.
    const answers = (seq: string[]): LookupFunction => {
      let i = 0;
      return ((_host: string, opts: { all?: boolean }, cb: (err: Error | null, a: unknown, f?: number) => void) => {
        const address = seq[Math.min(i++, seq.length - 1)]!;
        if (opts.all) cb(null, [{ address, family: 4 }]);
        else cb(null, address, 4);
      }) as unknown as LookupFunction;
    };
    const jwksUrl = `http://keys.internal:${port}/jwks.json`;
    const rebinding = guardedHttp({ allowPrivate: ['127.0.0.1/32'], lookup: answers(['127.0.0.1', '1.1.1.1']) });
    try {
      const e = await failure(scheme(envWith(rebinding), { jwksUrl })(req(await token())));
      expect(e.cause).toMatchObject({ code: 'egress_denied', extra: { reason: 'plain_http' } });
      expect(hits).toBe(0);
    } finally {
      await rebinding.close?.();
    }
    // The same name answering the allowlisted address throughout: the keys are fetched.
    const steady = guardedHttp({ allowPrivate: ['127.0.0.1/32'], lookup: answers(['127.0.0.1']) });
    try {
      expect(await scheme(envWith(steady), { jwksUrl })(req(await token()))).toEqual({});
      expect(hits).toBe(1);
    } finally {
      await steady.close?.();
    }
  });

  it.each([
    ['plain http to an IP outside allowPrivate', 'http://127.0.0.1:1/jwks', /must be https/],
    ['https to a private IP outside allowPrivate', 'https://10.0.0.8/jwks', /private address/],
    ['another scheme', 'ftp://keys.example/jwks', /https/],
    ['credentials in the URL', 'https://user:pass@keys.example/jwks', /credentials/],
    ['plain http to a host name while no private range is open', 'http://keys.example/jwks', /must be https/],
  ])('refuses %s when the scheme is built', (_, jwksUrl, message) => {
    const env = envWith(guardedHttp(platformHttp, { allowPrivate: [], resolve }));
    expect(() => scheme(env, { jwksUrl })).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(message) }));
  });

  it('refuses plain http when the http client is not egress-guarded', () => {
    expect(() => scheme(envWith(platformHttp))).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('checks HS256 tokens against secrets only, never a key of the set', async () => {
    const forged = await new SignJWT(CLAIMS).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(rsPem));
    const verify = scheme(allowLocal(), { algorithms: ['RS256', 'HS256'], secret: 'another-secret-of-32-bytes-or-more' });
    expect(await verdictAsync(() => verify(req(forged)))).toBe('credential_invalid');
    expect(hits).toBe(0);
  });
});
