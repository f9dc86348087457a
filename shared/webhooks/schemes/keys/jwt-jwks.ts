import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as jose, type FetchImplementation, type JWTVerifyGetKey } from 'jose';
import { AppError, errors } from '../../../errors';
import { readUpTo } from '../../../http/body';
import { asGuarded, egressDenied } from '../../../http/egress';
import { isPrivateOrReserved, parseIp } from '../../../net/cidr';
import type { HttpClient } from '../../../ports/http';
import type { SchemeEnv } from '../../scheme';
import type { JwtVerifyConfig } from './config';
import { RecentFailure, retryGate } from './jwt-jwks-retry';

/**
 * A remote JSON Web Key Set (RFC 7517 section 5), fetched through the egress guard and cached by
 * jose (fresh for `jwksCacheSeconds`; an unknown "kid" refetches at most once per
 * `jwksCooldownSeconds`). jose's cache runs on its own wall clock; claims use the injected one.
 * A failed fetch is remembered for JWKS_RETRY_MS on the injected clock (jwt-jwks-retry.ts).
 *
 * Transport rule: the URL must be https, unless every address of its host is in
 * `egress.allowPrivate` (a key server inside the network, or a test server on 127.0.0.1). Checked
 * when the scheme is built if the host is an IP literal, and before each fetch after DNS.
 */
export class KeySetUnavailable extends Error {
  /** `retryAfterSeconds`: until the next fetch may go, when a failed one is being remembered. */
  constructor(cause: unknown, readonly retryAfterSeconds?: number) {
    super('JWKS unavailable', { cause });
  }
}

const plainHttp = 'jwt: jwksUrl must be https, unless its address is in egress.allowPrivate';
/**
 * The most of a key set's body that is read (after content decoding). A key set holds a few keys
 * (Google's and Microsoft's are under 10 KiB); jose itself reads the whole body, so a key server
 * answering a gzip bomb within the timeout would have every instance inflate it into memory.
 */
export const MAX_JWKS_BYTES = 1024 * 1024;

function checkAtBuild(url: URL, http: HttpClient): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw errors.config('jwt: jwksUrl must be an https URL');
  // The egress guard refuses such a URL at every fetch: said once, at start, instead.
  if (url.username || url.password) throw errors.config('jwt: jwksUrl must not hold credentials (user:password@)');
  const guard = asGuarded(http);
  const ip = parseIp(url.hostname);
  // Plain http needs an allowlisted address: refused now when the host is an address outside the
  // list, or when no range is open at all; a host name is checked after DNS, at fetch time.
  if (url.protocol === 'http:' && (!guard || !guard.opensPrivate || (ip && !guard.allowlisted(url.hostname)))) throw errors.config(plainHttp);
  if (ip && guard && isPrivateOrReserved(ip) && !guard.allowlisted(url.hostname)) {
    throw errors.config('jwt: jwksUrl points to a private address outside egress.allowPrivate');
  }
}

/** A key server's answer that is no usable key set; the cause of KeySetUnavailable, never shown. */
const badAnswer = (code: string, message: string, extra: Record<string, unknown>) =>
  new AppError(code, message, { status: 502, retryable: true, expose: false, extra });

/**
 * The answer is judged here (200, size, a JWK set as jose's createLocalJWKSet accepts it), not
 * left to jose after the fetch, so that every way the key server can fail is a failed fetch to
 * the retry gate.
 */
function guardedFetch(http: HttpClient): FetchImplementation {
  const guard = asGuarded(http);
  return async (href, init) => {
    const url = new URL(href);
    let fetchKeys: HttpClient['fetch'] = (input, requestInit) => http.fetch(input, requestInit);
    if (url.protocol === 'http:') {
      if (!guard) throw egressDenied('plain_http');
      const addresses = await guard.check(url);
      if (!addresses.every((ip) => guard.allowlisted(ip))) throw egressDenied('plain_http');
      // The check above saw one DNS answer; the connection resolves again. Where the guard
      // connects itself, the socket may only reach an allowlisted address of its own answer.
      if (guard.fetchAllowlisted) fetchKeys = guard.fetchAllowlisted;
    }
    const res = await fetchKeys(href, init);
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw badAnswer('jwks_bad_status', `The key server answered ${res.status}`, { reason: 'status', status: res.status });
    }
    const { bytes, over } = res.body ? await readUpTo(res.body as unknown as AsyncIterable<Uint8Array>, MAX_JWKS_BYTES) : { bytes: new Uint8Array(), over: false };
    if (over) throw badAnswer('jwks_too_large', `The key set is larger than ${MAX_JWKS_BYTES} bytes`, { reason: 'too_large' });
    try {
      createLocalJWKSet(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      throw badAnswer('jwks_malformed', 'The key server answered something that is not a JSON Web Key Set', { reason: 'malformed' });
    }
    return new Response(new Uint8Array(bytes), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * The set was fetched and serves a key for the token, but that key cannot be used: jose refused
 * to import it (a private JWK, `JWKSInvalid: members must be public keys`; a key of an unsupported
 * type or curve; malformed members). The token is the one refused (credential_invalid): a retry
 * meets the same key set.
 */
export class KeyUnusable extends Error {
  constructor(cause: unknown) {
    super('The key set serves no usable key for the token', { cause });
  }
}

/**
 * The key set as a jose key resolver; any failure to obtain the set becomes KeySetUnavailable, a
 * key of the set that cannot be imported KeyUnusable.
 */
export function remoteKeySet(config: JwtVerifyConfig & { jwksUrl: string }, env: SchemeEnv): JWTVerifyGetKey {
  const url = new URL(config.jwksUrl);
  checkAtBuild(url, env.http);
  const gate = retryGate(guardedFetch(env.http), env.clock);
  // Fetches made and failed: an error of the resolver with no failed fetch behind it came from
  // importing a key of a set that was fetched (jose judges keys only when one is asked for).
  let fetched = 0;
  let failed = 0;
  let warnedFetch = -1;
  const counted: FetchImplementation = async (href, init) => {
    try {
      const res = await gate.fetch(href, init);
      fetched += 1;
      return res;
    } catch (e) {
      failed += 1;
      throw e;
    }
  };
  const set = createRemoteJWKSet(url, {
    [customFetch]: counted,
    cacheMaxAge: config.jwksCacheSeconds * 1000,
    cooldownDuration: config.jwksCooldownSeconds * 1000,
    timeoutDuration: 5000,
  });
  return async (header, token) => {
    const failedBefore = failed;
    try {
      return await set(header, token);
    } catch (e) {
      // No or several matching keys: the set was fetched; the token is the problem (the caller decides).
      if (e instanceof jose.JWKSNoMatchingKey || e instanceof jose.JWKSMultipleMatchingKeys) throw e;
      // No request was made: the failure it stands for was logged when it happened.
      if (e instanceof RecentFailure) throw new KeySetUnavailable(e.cause, gate.retryAfterSeconds());
      const code = (e as { code?: unknown }).code;
      if (failed === failedBefore) {
        // jose does not remember a key it failed to import: said once per fetch of the set, not per token.
        if (warnedFetch !== fetched) {
          warnedFetch = fetched;
          const kid = typeof header.kid === 'string' ? header.kid.slice(0, 128) : undefined;
          env.logger.warn('jwks key unusable', { jwksUrl: url.href, kid, code, reason: e instanceof jose.JOSEError ? e.message : (e as Error).name });
        }
        throw new KeyUnusable(e);
      }
      env.logger.warn('jwks fetch failed', { jwksUrl: url.href, code, reason: (e as { extra?: { reason?: unknown } }).extra?.reason });
      throw new KeySetUnavailable(e, gate.retryAfterSeconds());
    }
  };
}
