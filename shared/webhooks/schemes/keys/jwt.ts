import { KeyObject } from 'node:crypto';
import { errors as jose, type CompactJWSHeaderParameters, type JWTVerifyGetKey } from 'jose';
import { sourceSecrets } from '../../../config/secrets';
import { errors } from '../../../errors';
import type { Scheme, SchemeEnv } from '../../scheme';
import { header } from '../../timing-safe';
import type { JwtAlgorithm, JwtVerifyConfig } from './config';
import { deliveryIdReader } from './delivery-id';
import { credentialInvalid, credentialMissing, jwksUnavailable } from './errors';
import { checkClaims, malformedToken } from './jwt-claims';
import { type CompactJws, parseCompact, verifySignature } from './jwt-jws';
import { KeySetUnavailable, KeyUnusable, remoteKeySet } from './jwt-jwks';
import { algorithmKind, candidates, fits, importPublicKeys, importSecrets, type StaticKey } from './jwt-keys';
import { verifiedTokens } from './jwt-cache';

/**
 * Signed JWTs (RFC 7519, JWS RFC 7515) as webhook credentials, checked with the practices of
 * RFC 8725 (jose parses keys and serves key sets; the signature and claims checks are in
 * jwt-jws.ts and jwt-claims.ts, held to jose's verdicts by a differential test): an `algorithms` allowlist (never "none"), keys chosen by the token's
 * algorithm family, issuer/audience checks, required "exp", and the injected clock. A token is a
 * credential, not a delivery: its "jti" is not a delivery id; `idHeader`/`idPath` give one.
 */
const INVALID = 'Bearer error="invalid_token"';
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function tokenReader(name: string | undefined): (headers: Headers) => string {
  if (!name || name.toLowerCase() === 'authorization') {
    return (headers) => {
      const m = BEARER.exec(header(headers, 'authorization') ?? '');
      if (!m) throw credentialMissing('A Bearer token in the Authorization header', 'Bearer');
      return m[1]!;
    };
  }
  return (headers) => {
    const value = header(headers, name)?.trim().replace(/^Bearer +/i, '');
    // The Bearer challenge here too (RFC 6750 section 3): the credential is a bearer token wherever it is sent.
    if (!value) throw credentialMissing(`The ${name} header`, 'Bearer');
    return value;
  };
}

const toKeyObject = (k: unknown): KeyObject | undefined =>
  k instanceof KeyObject ? k : k instanceof globalThis.CryptoKey ? KeyObject.from(k) : undefined;

/** RS and PS keys below 2048 bits are refused (RFC 7518 section 3.3), from a key set too. */
const strongEnough = (k: KeyObject) => k.asymmetricKeyType !== 'rsa' || (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;

/** Whether a key of the remote set signed the token; the set picks keys by "kid", "kty" and "alg". */
async function remoteVerified(getKey: JWTVerifyGetKey, jws: CompactJws, token: string, alg: JwtAlgorithm): Promise<boolean> {
  const [p, payload, signature] = token.split('.') as [string, string, string];
  let keys: unknown[];
  try {
    keys = [await getKey(jws.header as unknown as CompactJWSHeaderParameters, { protected: p, payload, signature })];
  } catch (e) {
    if (e instanceof KeySetUnavailable) throw jwksUnavailable(e.cause, e.retryAfterSeconds);
    // No key of the set for the token, or one jose would not import (a private JWK): not verified.
    if (e instanceof jose.JWKSNoMatchingKey || e instanceof KeyUnusable) return false;
    if (!(e instanceof jose.JWKSMultipleMatchingKeys)) throw malformedToken();
    // Several keys of the set fit (no "kid"): jose hands them over to try in turn.
    keys = [];
    for await (const k of e) keys.push(k);
  }
  const kind = algorithmKind(alg);
  return keys.some((k) => {
    const key = toKeyObject(k);
    return key !== undefined && fits(key, kind) && strongEnough(key) && verifySignature(jws, alg, key);
  });
}

function checkCoverage(config: JwtVerifyConfig, publicKeys: StaticKey[], secrets: StaticKey[]): void {
  const kinds = config.algorithms.map(algorithmKind);
  for (const [i, kind] of kinds.entries()) {
    const ok = kind.type === 'secret' ? secrets.length > 0 : config.jwksUrl || publicKeys.some((k) => fits(k.key, kind));
    if (!ok) throw errors.config(`jwt: algorithm ${config.algorithms[i]} has no key (${kind.type === 'secret' ? 'secret or secrets' : 'publicKeys of its type or jwksUrl'})`);
  }
  if (secrets.length > 0 && !kinds.some((k) => k.type === 'secret')) throw errors.config('jwt: secrets are given but no HS* algorithm is allowed');
  if (publicKeys.some((k) => !kinds.some((kind) => fits(k.key, kind)))) throw errors.config('jwt: a publicKeys entry fits none of the algorithms');
  // A shared key set (an identity provider's) signs tokens for many audiences: require ours.
  if (config.jwksUrl && !config.audience) throw errors.config('jwt: jwksUrl needs audience');
}

export function jwtScheme(config: JwtVerifyConfig, env: SchemeEnv): Scheme {
  const publicKeys = importPublicKeys(config.publicKeys ?? []);
  const secrets = importSecrets(sourceSecrets(config), config.algorithms);
  checkCoverage(config, publicKeys, secrets);
  const remote = config.jwksUrl ? remoteKeySet({ ...config, jwksUrl: config.jwksUrl }, env) : undefined;
  const allowed = new Set<string>(config.algorithms);
  const readToken = tokenReader(config.header);
  const readId = deliveryIdReader(config, 'jwt');
  const rules = {
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenAgeSeconds: config.maxTokenAgeSeconds,
  };

  const cache = verifiedTokens({ toleranceSeconds: config.clockToleranceSeconds, maxTokenAgeSeconds: config.maxTokenAgeSeconds });

  const verify = async (input: Parameters<Scheme['verify']>[0]) => {
    const token = readToken(input.headers);
    if (cache.valid(token, input.now)) return { deliveryId: readId(input) };
    const jws = parseCompact(token);
    if (!jws) throw malformedToken();
    const { alg, kid } = jws.header;
    if (typeof alg !== 'string' || !allowed.has(alg)) throw credentialInvalid('The token algorithm is not accepted', INVALID);
    const hmac = alg.startsWith('HS');
    const keys = candidates(hmac ? secrets : publicKeys, alg as JwtAlgorithm, typeof kid === 'string' ? kid : undefined);
    let verified = keys.some((key) => verifySignature(jws, alg as JwtAlgorithm, key));
    if (!verified && remote && !hmac) verified = await remoteVerified(remote, jws, token, alg as JwtAlgorithm);
    if (!verified) throw credentialInvalid('The token signature is not valid', INVALID);
    const payload = checkClaims(jws.payload, rules, input.now);
    cache.remember(token, payload, input.now);
    return { deliveryId: readId(input) };
  };
  return { verify };
}
