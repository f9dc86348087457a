import * as z from 'zod/mini';

/**
 * `oauth` of an okta connection: an API Services app of the org authorization server, which
 * issues `okta.*` scopes only to clients that authenticate with private_key_jwt
 * (https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/). The scopes
 * each operation needs, from Okta's Management API description:
 * - suspend, unsuspend, clear_sessions: okta.users.manage (lifecycle, DELETE sessions), and
 *   okta.users.read for the lookup that makes a repeated suspend harmless;
 * - identity sync: okta.users.read (users; their factors, GET /api/v1/users/{id}/factors, need
 *   okta.users.read too); with `adminRoles` also okta.roles.read (GET /api/v1/iam/assignees/users,
 *   GET /api/v1/users/{id}/roles).
 * The app also needs an admin role that covers those users (Okta assigns none by default).
 */
export const OKTA_ACTION_SCOPES = ['okta.users.manage', 'okta.users.read'] as const;
export const OKTA_SYNC_SCOPE = 'okta.users.read';
export const OKTA_ROLES_SCOPE = 'okta.roles.read';

const nonEmpty = z.string().check(z.minLength(1));
/** RFC 6749 section 3.3 scope-token. */
const scope = z.string().check(z.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be one scope such as okta.users.read'));

export const oktaOAuthSchema = z.strictObject({
  /** The app's client id (0oa...). */
  clientId: nonEmpty,
  /**
   * The private key whose public key is registered with the app: PKCS#8 PEM or a private JWK as
   * JSON. A secret: give it as `${OKTA_PRIVATE_KEY}` or `secret://...`; it is read on first use.
   */
  privateKey: nonEmpty,
  /** The `kid` of the registered public key; default the JWK's own `kid`. */
  keyId: z.optional(nonEmpty),
  /** Requested on every token request; each must be granted to the app. */
  scopes: z._default(z.array(scope).check(z.minLength(1)), [...OKTA_ACTION_SCOPES]),
  /** Proof of possession (RFC 9449), which Okta requires of new service apps by default. */
  dpop: z._default(z.boolean(), true),
});

export type OktaOAuthConfig = z.output<typeof oktaOAuthSchema>;

/** Scopes in `needed` that `oauth` does not request; none for an API token (its admin's rights apply). */
export const missingScopes = (oauth: OktaOAuthConfig | undefined, needed: readonly string[]): string[] =>
  oauth ? needed.filter((s) => !oauth.scopes.includes(s)) : [];
