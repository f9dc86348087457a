import { createPublicKey, generateKeyPairSync, sign, timingSafeEqual, verify } from 'node:crypto';
import { exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { fixtureBytes } from '../test/fixtures';
import { silentLogger } from '../shared/log/json-logger';
import { fixedClock, platformHttp } from '../shared/ports';
import { standardWebhooksVerifier } from '../shared/webhooks/schemes/standard-webhooks';
import { apiKeyVerifier } from '../shared/webhooks/schemes/keys/credentials';
import { jwtScheme } from '../shared/webhooks/schemes/keys/jwt';
import { type BenchRow, measureOps, type MeasureOptions, throughputRows } from './rows';

/**
 * The keys schemes side by side with the primitive underneath, on a real GitHub delivery body
 * (~9 KB): our jwt scheme (RS256, static key) against jose's jwtVerify with the same key object;
 * standard-webhooks v1a against a bare node:crypto Ed25519 verify of the pre-joined message;
 * api-key against one timingSafeEqual of the raw header bytes and the key (no padding to a fixed width, so the
 * key's length would show in the timing).
 */
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const NOW = Date.now();

/** Ops/s of async candidates, awaited one at a time, in interleaved rounds; the best round counts. */
async function measureAsync(candidates: Record<string, () => Promise<unknown>>, opts: MeasureOptions = {}): Promise<Record<string, number>> {
  const { warmupMs = 500, roundMs = 400, rounds = 5 } = opts;
  const round = async (fn: () => Promise<unknown>, ms: number) => {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      await fn();
      calls += 1;
    }
    return (calls * 1000) / (performance.now() - start);
  };
  const names = Object.keys(candidates);
  for (const n of names) await round(candidates[n]!, warmupMs);
  const best: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let r = 0; r < rounds; r++) for (const n of names) best[n] = Math.max(best[n]!, await round(candidates[n]!, roundMs));
  return best;
}

async function jwt(): Promise<BenchRow[]> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const pem = await exportSPKI(publicKey);
  const claims = { iss: 'https://sender.example', aud: 'secorch', exp: Math.floor(NOW / 1000) + 3600 };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  const env = { http: platformHttp, clock: fixedClock(NOW), logger: silentLogger };
  const ours = jwtScheme({ scheme: 'jwt', algorithms: ['RS256'], publicKeys: [pem], issuer: claims.iss, audience: claims.aud, clockToleranceSeconds: 30, jwksCacheSeconds: 600, jwksCooldownSeconds: 30 }, env).verify;
  const input = { headers: new Headers({ authorization: `Bearer ${token}` }), body, url: 'https://hooks.example.com/webhooks/jwt', now: NOW };
  const key = createPublicKey(pem);
  const options = { algorithms: ['RS256'], issuer: claims.iss, audience: claims.aud, clockTolerance: 30, currentDate: new Date(NOW) };
  const ops = await measureAsync({ ours: async () => ours(input), jose: () => jwtVerify(token, key, options) });
  // A sender that signs a new token per delivery: more distinct tokens than the verified-token
  // cache holds, cycled, so every verification is a full one.
  const tokens = await Promise.all(Array.from({ length: 2048 }, (_, i) => new SignJWT({ ...claims, jti: `t${i}` }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)));
  const inputs = tokens.map((t) => ({ ...input, headers: new Headers({ authorization: `Bearer ${t}` }) }));
  let i = 0;
  let j = 0;
  const fresh = await measureAsync({
    ours: async () => ours(inputs[i++ % inputs.length]!),
    jose: () => jwtVerify(tokens[j++ % tokens.length]!, key, options),
  });
  return [
    // The same token on every delivery (the common case): verified once, then served from the cache.
    ...throughputRows('verify.jwt', 'ops/s', ops.ours!, { jose: ops.jose! }),
    ...throughputRows('verify.jwt.new-token-each-time', 'ops/s', fresh.ours!, { jose: fresh.jose! }),
  ];
}

function v1a(): BenchRow[] {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const id = 'msg_2bWnBaB6Yc3fCNNJ6yQa3lDb1Zw';
  const ts = String(Math.floor(NOW / 1000));
  const message = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
  const sig = sign(null, message, privateKey);
  const whpk = `whpk_${Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64')}`;
  const ours = standardWebhooksVerifier({ scheme: 'standard-webhooks', publicKeys: [whpk] });
  const headers = new Headers({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1a,${sig.toString('base64')}` });
  const input = { headers, body, url: 'https://hooks.example.com/webhooks/sw', now: NOW };
  const candidates = { ours: () => ours(input), 'node:crypto': () => verify(null, message, publicKey, sig) };
  if (!candidates['node:crypto']()) throw new Error('bench/schemes-keys: the v1a baseline rejected its own signature');
  const ops = measureOps(candidates);
  return throughputRows('verify.standard-webhooks-v1a', 'ops/s', ops.ours!, { 'node:crypto': ops['node:crypto']! });
}

function apiKey(): BenchRow[] {
  const key = 'sk_live_4f9c2b7e1d3a5f60a1b2c3d4';
  const ours = apiKeyVerifier({ scheme: 'api-key', header: 'X-API-Key', keys: [key] });
  const input = { headers: new Headers({ 'x-api-key': key }), body, url: 'https://hooks.example.com/webhooks/k', now: NOW };
  const expected = Buffer.from(key);
  const candidates = { ours: () => ours(input), 'node:crypto': () => timingSafeEqual(Buffer.from(input.headers.get('x-api-key')!), expected) };
  const ops = measureOps(candidates);
  return throughputRows('verify.api-key', 'ops/s', ops.ours!, { 'node:crypto': ops['node:crypto']! });
}

export async function keysSchemesBench(): Promise<BenchRow[]> {
  return [...(await jwt()), ...v1a(), ...apiKey()];
}
