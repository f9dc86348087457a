import * as z from 'zod/mini';
import { actionMap, identityActionFields } from '../identity/config';

/**
 * `type: okta` destination: suspends, unsuspends or signs a user out
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/).
 * It authenticates with an API token (`Authorization: SSWS <token>`,
 * https://developer.okta.com/docs/guides/create-an-api-token/), which acts with the rights of the
 * admin who created it. OAuth 2.0 for Okta is not offered: the org authorization server issues
 * `okta.*` scopes to service apps only with private_key_jwt client authentication
 * (https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/), which is out of
 * scope here; a client secret would be refused.
 */
export const OKTA_ACTIONS = ['suspend', 'unsuspend', 'clear_sessions'] as const;
export type OktaAction = (typeof OKTA_ACTIONS)[number];

const nonEmpty = z.string().check(z.minLength(1));

export const oktaConnectionFields = {
  /** The org's URL, e.g. `https://example.okta.com` (no `-admin`). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiToken: nonEmpty,
};

export const oktaDestinationSchema = z.strictObject({
  type: z.literal('okta'),
  ...oktaConnectionFields,
  ...identityActionFields,
  /** Event type -> action(s), e.g. `{ "secorch.identity.compromised": [suspend, clear_sessions] }`. */
  on: actionMap<OktaAction>(OKTA_ACTIONS),
  /** clear_sessions also revokes the OAuth and OpenID Connect tokens issued to the user (`oauthTokens=true`). */
  revokeOAuthTokens: z._default(z.boolean(), true),
});

export type OktaDestinationConfig = z.output<typeof oktaDestinationSchema>;
export type OktaConnection = Pick<OktaDestinationConfig, 'baseUrl' | 'apiToken'>;
