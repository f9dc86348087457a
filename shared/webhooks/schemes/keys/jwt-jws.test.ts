import fc from 'fast-check';
import { type CryptoKey, exportSPKI, generateKeyPair, jwtVerify, type JWTVerifyOptions, SignJWT } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { silentLogger } from '../../../log/json-logger';
import { fixedClock, platformHttp } from '../../../ports';
import type { JwtAlgorithm } from './config';
import { jwtScheme } from './jwt';
import { parseConfig } from './test-kit';

/**
 * Differential test: the jwt scheme's own signature and claims checks (jwt-jws.ts,
 * jwt-claims.ts) against jose's jwtVerify as the oracle. Tokens are signed by jose with every
 * algorithm family, with random claims around the clock's edges, then mutated (a changed
 * character in any part, a swapped "alg", a re-encoded header or payload, truncation); both must
 * reach the same verdict on every one.
 */
const NOW = 1_700_000_000_000;
const T = NOW / 1000;
const SECRET = 'hs256-secret-of-exactly-32-bytes';
const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const;
const RULES = { issuer: 'https://sender.example', audience: 'secorch', clockToleranceSeconds: 30, maxTokenAgeSeconds: 600 };

let signing: Record<string, CryptoKey | Uint8Array>;
let verifying: Record<string, CryptoKey | KeyObject>;
let ours: (token: string) => Promise<boolean>;

beforeAll(async () => {
  const pairs = await Promise.all(ALGS.slice(1).map((alg) => generateKeyPair(alg, { extractable: true })));
  signing = { HS256: new TextEncoder().encode(SECRET) };
  verifying = { HS256: createSecretKey(Buffer.from(SECRET)) };
  ALGS.slice(1).forEach((alg, i) => {
    signing[alg] = pairs[i]!.privateKey;
    verifying[alg] = pairs[i]!.publicKey;
  });
  const publicKeys = await Promise.all(pairs.map((p) => exportSPKI(p.publicKey)));
  const verify = jwtScheme(parseConfig({ scheme: 'jwt', algorithms: [...ALGS], publicKeys, secret: SECRET, ...RULES }), {
    http: platformHttp, clock: fixedClock(NOW), logger: silentLogger,
  }).verify;
  ours = (token) => Promise.resolve().then(() => verify({ headers: new Headers({ authorization: `Bearer ${token}` }), body: Buffer.from('{}'), url: 'https://x/', now: NOW })).then(() => true, () => false);
});

const options = (alg: string): JWTVerifyOptions => ({ ...RULES, clockTolerance: RULES.clockToleranceSeconds, maxTokenAge: RULES.maxTokenAgeSeconds, requiredClaims: ['exp'], algorithms: [alg], currentDate: new Date(NOW) });

/** jose's verdict, with the key of the algorithm the header names (as our scheme picks it). */
async function oracle(token: string): Promise<boolean> {
  let alg: unknown;
  try {
    alg = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')).alg;
  } catch {
    return false;
  }
  if (!ALGS.includes(alg as (typeof ALGS)[number])) return false;
  // The scheme tries every configured key of the family; only the signer's own key can succeed.
  return jwtVerify(token, verifying[alg as string]!, options(alg as string)).then(() => true, () => false);
}

const seconds = (span: number) => fc.integer({ min: -span, max: span }).map((d) => T + d);
const claims = fc.record({
  iss: fc.constantFrom('https://sender.example', 'https://sender.example', 'https://other.example'),
  aud: fc.oneof({ arbitrary: fc.constant('secorch'), weight: 3 }, fc.constantFrom('other', ['secorch', 'x'], ['x'])),
  exp: fc.oneof(seconds(120), { arbitrary: fc.constant('soon' as const), weight: 2 }),
  nbf: fc.option(seconds(120), { nil: undefined }),
  iat: fc.option(seconds(900), { nil: undefined }),
}, { requiredKeys: ['iss', 'aud'] });

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

type Mutation = { kind: 'none' } | { kind: 'char'; part: number; at: number; to: number } | { kind: 'alg'; alg: string } | { kind: 'payload'; value: unknown } | { kind: 'cut'; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 4 },
  fc.record({ kind: fc.constant('char' as const), part: fc.integer({ min: 0, max: 2 }), at: fc.nat(), to: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('alg' as const), alg: fc.constantFrom(...ALGS, 'none', 'HS512', 'RS512') }),
  fc.record({ kind: fc.constant('payload' as const), value: fc.oneof(fc.constant([1]), fc.constant('x'), fc.constant(null), fc.record({ exp: fc.constant(T + 60) })) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);

function mutate(token: string, m: Mutation): string {
  const parts = token.split('.');
  switch (m.kind) {
    case 'none':
      return token;
    case 'char': {
      const p = parts[m.part]!;
      const i = m.at % p.length;
      parts[m.part] = `${p.slice(0, i)}${B64URL[m.to]}${p.slice(i + 1)}`;
      return parts.join('.');
    }
    case 'alg':
      parts[0] = b64json({ ...JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()), alg: m.alg });
      return parts.join('.');
    case 'payload':
      parts[1] = b64json(m.value);
      return parts.join('.');
    case 'cut':
      return token.slice(0, m.at % token.length);
  }
}

test('verdicts equal jose jwtVerify on signed and mutated tokens of every family', async () => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ALGS), claims, mutation, async (alg, c, m) => {
      const payload = { ...c, exp: c.exp === 'soon' ? T + 60 : c.exp };
      const token = await new SignJWT(payload).setProtectedHeader({ alg: alg as JwtAlgorithm }).sign(signing[alg]!);
      const mutated = mutate(token, m);
      const [want, got] = await Promise.all([oracle(mutated), ours(mutated)]);
      if (got) accepted += 1;
      expect({ mutated, got }).toEqual({ mutated, got: want });
    }),
    { numRuns: 1500 },
  );
  expect(accepted).toBeGreaterThan(50); // the run exercised the accepting side, not only rejections
});
