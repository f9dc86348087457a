import { decodeProtectedHeader, errors as jose, type JWTPayload, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions, type KeyObject } from 'jose';
import { sourceSecrets } from '../../../config/secrets';
import { AppError, errors } from '../../../errors';
import type { Scheme, SchemeEnv } from '../../scheme';
import { header } from '../../timing-safe';
import type { JwtAlgorithm, JwtVerifyConfig } from './config';
import { deliveryIdReader } from './delivery-id';
import { credentialInvalid, credentialMissing, jwksUnavailable } from './errors';
import { KeySetUnavailable, remoteKeySet } from './jwt-jwks';
import { algorithmKind, candidates, fits, importPublicKeys, importSecrets, type StaticKey } from './jwt-keys';
import { verifiedTokens } from './jwt-cache';

/**
 * Signed JWTs (RFC 7519, JWS RFC 7515) as webhook credentials, verified by jose with the
 * practices of RFC 8725: an `algorithms` allowlist (never "none"), keys chosen by the token's
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
    if (!value) throw credentialMissing(`The ${name} header`);
    return value;
  };
}

/** true: verified; false: this key did not sign it; throws for a verdict on the token itself. */
function outcome(e: unknown): false {
  if (e instanceof AppError) throw e;
  if (e instanceof KeySetUnavailable) throw jwksUnavailable(e.cause);
  if (e instanceof jose.JWSSignatureVerificationFailed || e instanceof jose.JWKSNoMatchingKey) return false;
  if (e instanceof jose.JWTExpired) throw credentialInvalid('The token has expired', INVALID);
  if (e instanceof jose.JWTClaimValidationFailed) throw credentialInvalid(`The token's "${e.claim}" claim is not accepted (${e.reason})`, INVALID);
  throw credentialInvalid('The token is malformed', INVALID);
}

async function attempt(token: string, key: KeyObject | JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload | false> {
  try {
    return (await jwtVerify(token, key as KeyObject, options)).payload;
  } catch (e) {
    if (!(e instanceof jose.JWKSMultipleMatchingKeys)) return outcome(e);
    // Several keys of the set fit (no "kid"): jose hands them over to try in turn.
    for await (const k of e) {
      const payload = await attempt(token, k, options);
      if (payload) return payload;
    }
    return false;
  }
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
  const base: JWTVerifyOptions = {
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockToleranceSeconds,
    maxTokenAge: config.maxTokenAgeSeconds,
    requiredClaims: ['exp'],
  };

  const cache = verifiedTokens({ toleranceSeconds: config.clockToleranceSeconds, maxTokenAgeSeconds: config.maxTokenAgeSeconds });

  const verify = async (input: Parameters<Scheme['verify']>[0]) => {
    const token = readToken(input.headers);
    if (cache.valid(token, input.now)) return { deliveryId: readId(input) };
    let alg: unknown;
    let kid: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
    } catch {
      throw credentialInvalid('The token is malformed', INVALID);
    }
    if (typeof alg !== 'string' || !allowed.has(alg)) throw credentialInvalid('The token algorithm is not accepted', INVALID);
    const options: JWTVerifyOptions = { ...base, algorithms: [alg], currentDate: new Date(input.now) };
    const hmac = alg.startsWith('HS');
    const keys = candidates(hmac ? secrets : publicKeys, alg as JwtAlgorithm, typeof kid === 'string' ? kid : undefined);
    let payload: JWTPayload | false = false;
    for (const key of keys) if ((payload = await attempt(token, key, options))) break;
    if (!payload && remote && !hmac) payload = await attempt(token, remote, options);
    if (!payload) throw credentialInvalid('The token signature is not valid', INVALID);
    cache.remember(token, payload, input.now);
    return { deliveryId: readId(input) };
  };
  return { verify };
}
