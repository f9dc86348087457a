import * as z from 'zod/mini';
import { fixedWidthSecrets } from '../crypto/fixed-width';
import { AppError } from '../errors';

/**
 * API-key authentication for the REST API (`/events`, `/subscriptions`, `/deliveries`):
 * `Authorization: Bearer <key>` (RFC 6750 section 2.1), one tenant and a set of scopes per key.
 *
 * Configuration: a map keyed by key id, so the id is stable and written by the operator. It is
 * what events carry as `origin: api:<key id>` and what logs name; the key itself never leaves
 * this module.
 *
 *   api:
 *     keys:
 *       ci-scanner:                    # key id -> origin api:ci-scanner
 *         key: ${CI_SCANNER_API_KEY}
 *         tenant: acme                 # default "default", as for sources
 *         scopes: [events:write]       # omitted = every scope
 */
export const SCOPES = ['events:write', 'subscriptions:read', 'subscriptions:write', 'deliveries:read', 'deliveries:write'] as const;
export type Scope = (typeof SCOPES)[number];

/** 24 characters of a random Base64 key are 144 bits, beyond guessing; shorter ones are typos or placeholders. */
export const MIN_KEY_LENGTH = 24;
/** RFC 6750 section 2.1 b64token: the only characters a Bearer credential can carry. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const apiKeySchema = z.strictObject({
  key: z.string().check(
    z.minLength(MIN_KEY_LENGTH, `API keys must be at least ${MIN_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`),
    z.regex(B64TOKEN, 'API keys may contain only A-Z a-z 0-9 - . _ ~ + / and trailing = (RFC 6750 bearer token)'),
  ),
  tenant: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'tenant names are 1 to 128 characters of A-Z a-z 0-9 _ . -')), 'default'),
  /** Omitted: every scope. An empty list is refused rather than read as "all" or "none". */
  scopes: z.optional(
    z.array(z.enum(SCOPES, `scopes are ${SCOPES.join(', ')}`)).check(z.minLength(1, 'list at least one scope, or omit scopes for all')),
  ),
});

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `api.keys`: key id -> key. Ids follow source ids, so `api:<key id>` is a safe origin. */
export const apiKeysSchema = z.record(z.string().check(z.regex(KEY_ID)), apiKeySchema, {
  error: (issue) => (issue.code === 'invalid_key' ? 'key ids are 1 to 64 characters of A-Z a-z 0-9 _ -' : undefined),
}).check(
  z.superRefine((keys, ctx) => {
    // One key, two ids would make tenant and origin depend on which entry wins.
    const dup = duplicateKeyIds(keys);
    if (dup.length > 0) ctx.addIssue({ code: 'custom', input: '', message: `keys ${dup.join(', ')} share the same key; give each client its own`, path: [] });
  }),
);

export type ApiKeysConfig = z.output<typeof apiKeysSchema>;
export type ApiKeyConfig = ApiKeysConfig[string];

export interface ApiPrincipal {
  keyId: string;
  tenant: string;
  scopes: readonly Scope[];
  /** The `origin` extension attribute for events this key publishes. */
  origin: `api:${string}`;
}

export interface ApiKeyAuth {
  /** The caller behind the Authorization header; throws 401 `unauthorized` or 403 `forbidden_scope`. */
  authenticate(headers: Headers, required: Scope): ApiPrincipal;
}


export function createApiKeyAuth(keys: ApiKeysConfig): ApiKeyAuth {
  const dup = duplicateKeyIds(keys);
  if (dup.length > 0) throw new Error(`API keys ${dup.join(', ')} share the same key`);
  // Frozen: the same principal is handed to every request made with this key.
  const principals: ApiPrincipal[] = Object.entries(keys).map(([keyId, k]) =>
    Object.freeze({ keyId, tenant: k.tenant, scopes: Object.freeze([...(k.scopes ?? SCOPES)]), origin: `api:${keyId}` as const }));
  const secrets = fixedWidthSecrets(Object.values(keys).map((k) => k.key));

  return {
    authenticate(headers, required) {
      const token = bearerToken(headers.get('authorization'));
      // Every configured key is compared at one width (fixed-width.ts), with no early exit, so
      // the time depends neither on the keys' lengths nor on which key (if any) matched.
      const same = secrets.compare(token);
      let match: ApiPrincipal | undefined;
      for (let i = 0; i < principals.length; i++) match = same[i] ? principals[i] : match;
      if (!match) throw unauthorized('Invalid API key', 'Bearer error="invalid_token"');
      if (!match.scopes.includes(required)) {
        throw new AppError('forbidden_scope', `This API key lacks the scope ${required}`, {
          status: 403,
          extra: { scope: required },
          // RFC 6750 section 3.1: insufficient_scope names the scope needed.
          headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required}"` },
        });
      }
      return match;
    },
  };
}

/**
 * The credential of `Authorization: Bearer <token>`. The scheme name is case-insensitive
 * (RFC 9110 section 11.1), so `bearer` is accepted. Errors never echo the header.
 */
function bearerToken(header: string | null): string {
  // RFC 6750 section 3.1: a request without credentials gets the challenge and no error code.
  if (header === null || header.trim() === '') throw unauthorized('Missing API key: send Authorization: Bearer <key>', 'Bearer');
  const [scheme = '', ...rest] = header.trim().split(/[ \t]+/);
  if (scheme.toLowerCase() !== 'bearer' || rest.length === 0) {
    throw unauthorized('Unsupported authorization: send Authorization: Bearer <key>', 'Bearer');
  }
  const token = rest.join(' ');
  if (!B64TOKEN.test(token)) throw unauthorized('Malformed API key', 'Bearer error="invalid_token"');
  return token;
}

function unauthorized(message: string, challenge: string): AppError {
  return new AppError('unauthorized', message, { status: 401, headers: { 'www-authenticate': challenge } });
}

function duplicateKeyIds(keys: Record<string, { key: string }>): string[] {
  const byKey = new Map<string, string[]>();
  for (const [id, k] of Object.entries(keys)) byKey.set(k.key, [...(byKey.get(k.key) ?? []), id]);
  return [...byKey.values()].filter((ids) => ids.length > 1).flat();
}
