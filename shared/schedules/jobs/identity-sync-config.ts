import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';
import { destinationProblem } from './destination-problem';
import type { OktaDestinationConfig } from '../../connectors/okta/config';
import { missingScopes, OKTA_ROLES_SCOPE, OKTA_SYNC_SCOPE } from '../../connectors/okta/oauth-config';

/*
 * The configuration of an `identity-sync` job apart from its runner (./identity-sync.ts): every
 * function validates the configuration at cold start, and only the scheduler runs the sync and
 * needs the identity connectors.
 */

/** An `identity-sync` job: the directory it reads and what it reads of each user (the job: ./identity-sync.ts). */
export const identitySyncJobSchema = z.strictObject({
  type: z.literal('identity-sync'),
  provider: z.enum(['okta', 'entra', 'auth0']),
  /** An okta, entra or auth0 destination (matching `provider`) whose connection settings are used. */
  destination: z.string().check(z.minLength(1)),
  /** Users per page; default and maximum: Okta 200, Graph 999 (a preference), Auth0 100 (past 1000 users, read from its export file: default 100, up to 999). */
  pageSize: z.optional(z.number().check(z.int(), z.positive(), z.lte(999))),
  /**
   * Read MFA for mfa_removed. Okta: each active user's enrolled factors (one call per user and
   * run). Entra: the MFA registration report, once per run (AuditLog.Read.All, Entra ID P1/P2).
   * Auth0 reads its users' `multifactor` list with the listing whatever this says.
   */
  mfa: z._default(z.boolean(), false),
  /**
   * Read admin roles for admin_granted, a few calls per run. Okta: role assignments. Entra:
   * directory role assignments (RoleManagement.Read.Directory). Auth0: RBAC role members
   * (read:roles, read:role_members).
   */
  adminRoles: z._default(z.boolean(), false),
  /** Auth0: the role names that count as admin roles; every role when left out. */
  adminRoleNames: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

export type IdentitySyncJob = z.output<typeof identitySyncJobSchema>;

/** Problems of an identity-sync job that the rest of the configuration reveals, as `path: message`. */
export function identitySyncProblems(job: IdentitySyncJob, path: string, config: Config): string[] {
  const dest = configuredDestination(config, job.destination);
  const problems: string[] = [];
  const destination = destinationProblem(config, job.destination, job.provider, path);
  if (destination) problems.push(destination);
  if (job.adminRoleNames && job.provider !== 'auth0') problems.push(`${path}.adminRoleNames: an Auth0 setting (${job.provider} counts every admin role)`);
  else if (job.adminRoleNames && !job.adminRoles) problems.push(`${path}.adminRoleNames: set adminRoles: true too, or roles are not read`);
  if (dest?.type === 'okta' && job.provider === 'okta') {
    // An OAuth service app reads only what its requested scopes allow (an API token: its admin's rights).
    const missing = missingScopes((dest as OktaDestinationConfig).oauth, [OKTA_SYNC_SCOPE, ...(job.adminRoles ? [OKTA_ROLES_SCOPE] : [])]);
    if (missing.length > 0) problems.push(`${path}.destination: the oauth.scopes of "${job.destination}" lack ${missing.join(' and ')}, which this sync needs`);
  }
  return problems;
}
