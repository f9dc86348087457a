import * as z from 'zod/mini';
import { actionMap, identityActionFields, limitFitsActions } from '../identity/config';

/**
 * `type: entra` destination: disables (or enables again) a Microsoft Entra ID account or revokes
 * its sign-in sessions through Microsoft Graph. It signs in as an app registration with the OAuth
 * 2.0 client credentials grant (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow)
 * and needs the application permissions User.ReadWrite.All (disable and enable:
 * https://learn.microsoft.com/graph/api/user-update) and User.RevokeSessions.All (revoke:
 * https://learn.microsoft.com/graph/api/user-revokesigninsessions), admin-consented. Identity sync
 * needs User.Read.All; with `mfa` also AuditLog.Read.All
 * (https://learn.microsoft.com/en-us/graph/api/authenticationmethodsroot-list-userregistrationdetails),
 * with `adminRoles` also RoleManagement.Read.Directory
 * (https://learn.microsoft.com/en-us/graph/api/rbacapplication-list-roleassignments). Disabling or
 * enabling an administrator also needs a privileged role for the app.
 */
export const ENTRA_ACTIONS = ['disable', 'enable', 'revoke_sessions'] as const;
export type EntraAction = (typeof ENTRA_ACTIONS)[number];
/** Actions that undo another: never counted against `limit`. Revoked sessions cannot be restored. */
export const ENTRA_REVERSALS: readonly EntraAction[] = ['enable'];

const nonEmpty = z.string().check(z.minLength(1));
const httpUrl = z.url({ protocol: /^https?$/ });

export const entraConnectionFields = {
  /** Directory (tenant) id or a verified domain, e.g. `contoso.onmicrosoft.com`. */
  tenantId: z.string().check(z.regex(/^[A-Za-z0-9.-]{1,256}$/)),
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** National clouds have their own hosts (https://learn.microsoft.com/graph/deployments). */
  graphUrl: z._default(httpUrl, 'https://graph.microsoft.com'),
  loginUrl: z._default(httpUrl, 'https://login.microsoftonline.com'),
};

export const entraDestinationSchema = z.strictObject({
  type: z.literal('entra'),
  ...entraConnectionFields,
  ...identityActionFields,
  /** Event type -> action(s), e.g. `{ "secorch.identity.compromised": [disable, revoke_sessions] }`. */
  on: actionMap<EntraAction>(ENTRA_ACTIONS),
}).check(limitFitsActions(ENTRA_REVERSALS));

export type EntraDestinationConfig = z.output<typeof entraDestinationSchema>;
export type EntraConnection = Pick<EntraDestinationConfig, 'tenantId' | 'clientId' | 'clientSecret' | 'graphUrl' | 'loginUrl'>;
