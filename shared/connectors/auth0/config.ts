import * as z from 'zod/mini';
import { actionMap, identityActionFields, limitFitsActions } from '../identity/config';

/**
 * `type: auth0` destination: blocks (or unblocks) a user through the Management API v2
 * (https://auth0.com/docs/api/management/v2/users/patch-users-by-id). It signs in as a
 * machine-to-machine application authorized for the Management API with the client credentials
 * grant (https://auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens/get-management-api-access-tokens-for-production)
 * and needs the scope `update:users`; identity sync needs `read:users` (for tenants over 1000 users
 * also to run the user export job, which Auth0's Free plan lacks:
 * https://auth0.com/docs/manage-users/user-migration/bulk-user-exports), and with `adminRoles` also
 * `read:roles` and `read:role_members` (https://auth0.com/docs/api/management/v2/roles/get-role-user).
 */
export const AUTH0_ACTIONS = ['block', 'unblock'] as const;
export type Auth0Action = (typeof AUTH0_ACTIONS)[number];
/** Actions that undo another: never counted against `limit`. */
export const AUTH0_REVERSALS: readonly Auth0Action[] = ['unblock'];

const nonEmpty = z.string().check(z.minLength(1));

export const auth0ConnectionFields = {
  /** The tenant's canonical domain as a URL, e.g. `https://example.eu.auth0.com` (not a custom domain). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** The Management API identifier; default `<baseUrl>/api/v2/`. */
  audience: z.optional(nonEmpty),
};

export const auth0DestinationSchema = z.strictObject({
  type: z.literal('auth0'),
  ...auth0ConnectionFields,
  ...identityActionFields,
  /** Event type -> action(s), e.g. `{ "secorch.identity.compromised": block }`. Auth0 user ids look like `auth0|63d1...`. */
  on: actionMap<Auth0Action>(AUTH0_ACTIONS),
}).check(limitFitsActions(AUTH0_REVERSALS));

export type Auth0DestinationConfig = z.output<typeof auth0DestinationSchema>;
export type Auth0Connection = Pick<Auth0DestinationConfig, 'baseUrl' | 'clientId' | 'clientSecret' | 'audience'>;
