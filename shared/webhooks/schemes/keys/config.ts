import * as z from 'zod/mini';
import { headerName, positiveSeconds, secretList, toleranceSeconds } from '../config-parts';

/**
 * Configuration schemas of the keys schemes (one strictObject per scheme, discriminated by
 * `scheme`): asymmetric signatures (rsa), tokens (jwt) and credentials (api-key, basic, mtls).
 * Cross-field rules (a key source per algorithm, https key URLs) are checked when the scheme is
 * built, which compileConfig does at cold start.
 */
const text = z.string().check(z.minLength(1));
const texts = z.array(text).check(z.minLength(1));
const oneOrMore = z.union([text, texts]);

/** Replay protection for schemes without a signed delivery id: a header or a JSON body path. */
const deliveryId = {
  idHeader: z.optional(headerName),
  /** Dot path into the JSON body, e.g. `event.id`. */
  idPath: z.optional(z.string().check(z.regex(/^[^.]+(?:\.[^.]+)*$/, 'must be a dot path such as event.id'))),
};

const rsaVerify = z.strictObject({
  scheme: z.literal('rsa'),
  /** PEM public keys (SPKI, PKCS#1 or certificates); any one verifies (rotation). */
  publicKeys: texts,
  header: headerName,
  padding: z._default(z.enum(['pkcs1', 'pss']), 'pkcs1'),
  encoding: z._default(z.enum(['base64', 'hex']), 'base64'),
  prefix: z._default(z.string(), ''),
  timestampHeader: z.optional(headerName),
  toleranceSeconds: z.optional(toleranceSeconds),
  /** What is signed: "{body}" (default), or e.g. "{timestamp}.{body}", "{id}.{timestamp}.{body}". */
  signedContent: z._default(z.string(), '{body}'),
  idHeader: z.optional(headerName),
});

export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const jwtVerify = z.strictObject({
  scheme: z.literal('jwt'),
  /** Header carrying the token; default Authorization with the Bearer scheme (RFC 6750). */
  header: z.optional(headerName),
  /** Accepted "alg" values. Required; "none" is never accepted. */
  algorithms: z.array(z.enum(JWT_ALGORITHMS)).check(z.minLength(1)),
  jwksUrl: z.optional(z.url()),
  /** PEM or JWK (JSON) public keys. */
  publicKeys: z.optional(texts),
  /** `secret`/`secrets`: HMAC keys for the HS* algorithms. */
  ...secretList,
  issuer: z.optional(oneOrMore),
  audience: z.optional(oneOrMore),
  clockToleranceSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 30),
  /** Refuse tokens whose "iat" is older than this (requires iat). */
  maxTokenAgeSeconds: z.optional(positiveSeconds),
  jwksCacheSeconds: z._default(positiveSeconds, 600),
  /** Least time between two fetches triggered by an unknown "kid". */
  jwksCooldownSeconds: z._default(positiveSeconds, 30),
  ...deliveryId,
});

const apiKeyVerify = z.strictObject({
  scheme: z.literal('api-key'),
  header: z._default(headerName, 'X-API-Key'),
  /** Accepted keys (rotation: old and new). The whole header value is compared. */
  keys: texts,
  ...deliveryId,
});

const basicVerify = z.strictObject({
  scheme: z.literal('basic'),
  users: z.array(z.strictObject({ username: text, password: text })).check(z.minLength(1)),
  ...deliveryId,
});

const mtlsVerify = z.strictObject({
  scheme: z.literal('mtls'),
  /** SHA-256 certificate fingerprints, hex in any case, colons allowed. */
  fingerprints: z.optional(texts),
  /** Exact subject DNs, RFC 4514 order as `openssl x509 -noout -subject -nameopt RFC2253` prints them. */
  subjects: z.optional(texts),
  ...deliveryId,
});

export const keysVerifySchemas = [rsaVerify, jwtVerify, apiKeyVerify, basicVerify, mtlsVerify] as const;

export type RsaVerifyConfig = z.output<typeof rsaVerify>;
export type JwtVerifyConfig = z.output<typeof jwtVerify>;
export type ApiKeyVerifyConfig = z.output<typeof apiKeyVerify>;
export type BasicAuthVerifyConfig = z.output<typeof basicVerify>;
export type MtlsVerifyConfig = z.output<typeof mtlsVerify>;
