import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AppError } from '../../../errors';
import { guardedHttp } from '../../../http/egress';
import { silentLogger } from '../../../log/json-logger';
import { fixedClock, type HttpClient, platformHttp } from '../../../ports';
import { jwtScheme } from './jwt';
import { JWKS_RETRY_MS } from './jwt-jwks-retry';
import { parseConfig, verdictAsync } from './test-kit';

// A key server that fails (500, a body that is no key set, a refused connection) must cost one
// fetch per JWKS_RETRY_MS, not one per webhook: a real server on 127.0.0.1 counts the requests.
const NOW = 1_700_000_000_000;
const T = NOW / 1000;
const CLAIMS = { iss: 'https://idp.example', aud: 'secorch', iat: T, exp: T + 300 };
const N = 20;
let server: Server;
let port: number;
let hits = 0;
let status = 200;
/** When set, served instead of the key set (with status 200). */
let body: string | undefined;
let keys: JWK[] = [];
let signer: CryptoKey;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  signer = privateKey;
  keys = [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  server = createServer((_, res) => {
    hits += 1;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body ?? JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  hits = 0;
  status = 200;
  body = undefined;
});
afterEach(() => jest.restoreAllMocks());

const local = (inner: HttpClient = platformHttp) => guardedHttp(inner, { allowPrivate: ['127.0.0.1/32'], resolve: async () => [] });
function setup(over: Record<string, unknown> = {}, http = local()) {
  const clock = fixedClock(NOW);
  const config = parseConfig({ scheme: 'jwt', algorithms: ['RS256'], jwksUrl: `http://127.0.0.1:${port}/jwks.json`, audience: 'secorch', issuer: CLAIMS.iss, ...over });
  return { clock, verify: jwtScheme(config, { http, clock, logger: silentLogger }).verify };
}
/** A distinct token each call (a verified token is remembered and would not consult the set). */
const token = (kid = 'k1') => new SignJWT({ ...CLAIMS, jti: randomUUID() }).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);
const req = (t: string) => ({ headers: new Headers({ authorization: `Bearer ${t}` }), body: new Uint8Array(), url: 'https://x/', now: NOW });
const failure = async (p: unknown): Promise<AppError> => {
  const e = await Promise.resolve(p).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
};
const tokens = (n: number, kid?: () => string) => Promise.all(Array.from({ length: n }, () => token(kid?.())));
/** jose's own cache and cooldown run on Date.now: moved by hand where a test needs them to pass. */
function wallClock(start: number) {
  let wall = start;
  jest.spyOn(Date, 'now').mockImplementation(() => wall);
  return (ms: number) => void (wall += ms);
}

describe('jwt with a JWKS URL while the key server fails', () => {
  it('a 500 costs one fetch per retry window: the rest fail fast with 503 jwks_unavailable and Retry-After', async () => {
    const { clock, verify } = setup();
    status = 500;
    for (const t of await tokens(N)) {
      const e = await failure(verify(req(t)));
      expect([e.code, e.status, e.retryable]).toEqual(['jwks_unavailable', 503, true]);
      expect(Number(e.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(hits).toBe(1);
    clock.advance(JWKS_RETRY_MS - 1);
    expect((await failure(verify(req(await token())))).headers['retry-after']).toBe('1');
    expect(hits).toBe(1);
    // Once the window has passed, one attempt is made again: the server is back.
    status = 200;
    clock.advance(1);
    for (const t of await tokens(3)) expect(await verify(req(t))).toEqual({});
    expect(hits).toBe(2);
  });

  it('a failed retry opens a new window', async () => {
    const { clock, verify } = setup();
    status = 503;
    await failure(verify(req(await token())));
    clock.advance(JWKS_RETRY_MS);
    for (const t of await tokens(N)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(hits).toBe(2);
  });

  it('a refused connection costs one attempt per window', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const inner = { fetch: jest.fn(platformHttp.fetch) };
    const { clock, verify } = setup({ jwksUrl: `http://127.0.0.1:${deadPort}/jwks.json` }, local(inner));
    for (const t of await tokens(N)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(inner.fetch).toHaveBeenCalledTimes(1);
    clock.advance(JWKS_RETRY_MS);
    for (const t of await tokens(3)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(inner.fetch).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['not JSON', '<html>maintenance</html>'],
    ['JSON but no key set', '{"error":"upstream"}'],
  ])('an answer that is %s counts as a failure too', async (_, answer) => {
    const { verify } = setup();
    body = answer;
    for (const t of await tokens(N)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(hits).toBe(1);
  });

  it('concurrent verifications share one fetch, failing or not', async () => {
    status = 500;
    const down = setup();
    const failed = await Promise.all((await tokens(N)).map((t) => failure(down.verify(req(t)))));
    expect(failed.map((e) => e.code)).toEqual(Array(N).fill('jwks_unavailable'));
    expect(hits).toBe(1);
    status = 200;
    const up = setup();
    expect(await Promise.all((await tokens(N)).map((t) => up.verify(req(t))))).toEqual(Array(N).fill({}));
    expect(hits).toBe(2);
  });

  it('a stale key set that cannot be refreshed is refetched once per window, not per request', async () => {
    const tick = wallClock(1_950_000_000_000);
    const { verify } = setup({ jwksCacheSeconds: 60 });
    expect(await verify(req(await token()))).toEqual({});
    tick(61_000);
    status = 500;
    for (const t of await tokens(N)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(hits).toBe(2);
  });

  it('an unknown kid whose refetch failed blocks further refetches for the window; known kids still verify', async () => {
    const tick = wallClock(2_000_000_000_000);
    const { verify } = setup();
    expect(await verify(req(await token()))).toEqual({});
    tick(31_000); // past jwksCooldownSeconds: jose would refetch for an unknown kid
    status = 500;
    for (const t of await tokens(N, randomUUID)) expect((await failure(verify(req(t)))).code).toBe('jwks_unavailable');
    expect(hits).toBe(2);
    // The set held is still fresh: tokens of its keys do not need the key server.
    for (const t of await tokens(3)) expect(await verify(req(t))).toEqual({});
    expect(hits).toBe(2);
  });
});

describe('jwt with a JWKS URL and a flood of unknown kids', () => {
  it('refetches at most once per jwksCooldownSeconds, however many kids, sequential or concurrent', async () => {
    const tick = wallClock(2_050_000_000_000);
    const { verify } = setup();
    expect(await verify(req(await token()))).toEqual({});
    for (const t of await tokens(N, randomUUID)) expect(await verdictAsync(() => verify(req(t)))).toBe('credential_invalid');
    expect(hits).toBe(1);
    tick(31_000);
    const flood = await tokens(N, randomUUID);
    expect(await Promise.all(flood.map((t) => verdictAsync(() => verify(req(t)))))).toEqual(Array(N).fill('credential_invalid'));
    expect(hits).toBe(2);
    for (const t of await tokens(N, randomUUID)) expect(await verdictAsync(() => verify(req(t)))).toBe('credential_invalid');
    expect(hits).toBe(2);
  });
});
