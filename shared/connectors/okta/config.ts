import * as z from 'zod/mini';
import { actionMap, identityActionFields, limitFitsActions } from '../identity/config';
import { missingScopes, OKTA_ACTION_SCOPES, oktaOAuthSchema } from './oauth-config';

/**
 * `type: okta` destination: suspends, unsuspends or signs a user out
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/).
 * It authenticates with one of:
 * - `apiToken`: an API token (`Authorization: SSWS <token>`,
 *   https://developer.okta.com/docs/guides/create-an-api-token/), acting with the rights of the
 *   admin who created it;
 * - `oauth`: an API Services app with private_key_jwt client authentication and, by default,
 *   DPoP-bound tokens (oauth-config.ts), acting with its granted scopes and admin role.
 */
export const OKTA_ACTIONS = ['suspend', 'unsuspend', 'clear_sessions'] as const;
export type OktaAction = (typeof OKTA_ACTIONS)[number];
/** Actions that undo another: never counted against `limit`. */
export const OKTA_REVERSALS: readonly OktaAction[] = ['unsuspend'];

const nonEmpty = z.string().check(z.minLength(1));

export const oktaConnectionFields = {
  /** The org's URL, e.g. `https://example.okta.com` (no `-admin`). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiToken: z.optional(nonEmpty),
  oauth: z.optional(oktaOAuthSchema),
};

export const oktaDestinationSchema = z.strictObject({
  type: z.literal('okta'),
  ...oktaConnectionFields,
  ...identityActionFields,
  /** Event type -> action(s), e.g. `{ "secorch.identity.compromised": [suspend, clear_sessions] }`. */
  on: actionMap<OktaAction>(OKTA_ACTIONS),
  /** clear_sessions also revokes the OAuth and OpenID Connect tokens issued to the user (`oauthTokens=true`). */
  revokeOAuthTokens: z._default(z.boolean(), true),
}).check(
  z.refine((c) => c.apiToken !== undefined || c.oauth !== undefined, { message: 'give apiToken (an API token) or oauth (an API Services app)', path: ['apiToken'] }),
  z.refine((c) => c.apiToken === undefined || c.oauth === undefined, { message: 'give apiToken or oauth, not both', path: ['oauth'] }),
  z.refine((c) => Object.keys(c.on).length === 0 || missingScopes(c.oauth, OKTA_ACTION_SCOPES).length === 0, {
    message: `the actions in "on" need the scopes ${OKTA_ACTION_SCOPES.join(' and ')}`, path: ['oauth', 'scopes'],
  }),
  limitFitsActions(OKTA_REVERSALS),
);

export type OktaDestinationConfig = z.output<typeof oktaDestinationSchema>;
export type OktaConnection = Pick<OktaDestinationConfig, 'baseUrl' | 'apiToken' | 'oauth'>;
