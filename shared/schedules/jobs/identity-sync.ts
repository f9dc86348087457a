import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';
import { AppError } from '../../errors';
import type { Deps } from '../../ports';
import { auth0Source } from '../../connectors/auth0/source';
import type { Auth0DestinationConfig } from '../../connectors/auth0/config';
import { auth0TransportFor } from '../../connectors/auth0/transport';
import { entraSource } from '../../connectors/entra/source';
import type { EntraDestinationConfig } from '../../connectors/entra/config';
import { entraTransportFor } from '../../connectors/entra/transport';
import { runSync } from '../../connectors/identity/sync';
import type { UserSource } from '../../connectors/identity/types';
import { oktaSource } from '../../connectors/okta/source';
import type { OktaDestinationConfig } from '../../connectors/okta/config';
import { missingScopes, OKTA_ROLES_SCOPE, OKTA_SYNC_SCOPE } from '../../connectors/okta/oauth-config';
import { oktaTransportFor } from '../../connectors/okta/transport';
import { realSleep } from '../../connectors/sleep';
import type { TransportOptions } from '../../connectors/types';
import type { JobContext, JobResult } from './types';

/**
 * `identity-sync`: reads the users of Okta, Entra ID or Auth0 into a snapshot in the state store
 * and publishes `secorch.identity.user.created|deactivated|admin_granted|mfa_removed` events for
 * what changed (shared/connectors/identity). The connection (URL, credentials) is that of the
 * named destination of the same type; a destination without `on` acts on nothing and can serve
 * as a connection only. Each run continues the round in progress until it ends or the run's
 * deadline passes; positions persist after every page, each write conditional on the version the
 * run last saw, so a run still going when the next due time's run starts cannot write over it
 * (the one that writes second stops with a warning and `conflict: true` in its result).
 */
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
/** Longest wait for an Auth0 user export job within one run; the next run waits on for the same job. */
const AUTH0_EXPORT_WAIT_MS = 10 * 60_000;
type Connection = OktaDestinationConfig | EntraDestinationConfig | Auth0DestinationConfig;

function connectionOf(config: Config, job: IdentitySyncJob): Connection | undefined {
  const dest = configuredDestination(config, job.destination);
  return dest?.type === job.provider ? (dest as Connection) : undefined;
}

function sourceOf(job: IdentitySyncJob, dest: Connection, deps: Deps, deadline: number, overrides?: Partial<TransportOptions>): UserSource {
  const name = job.destination;
  if (dest.type === 'okta') return oktaSource(oktaTransportFor(name, dest, deps, overrides), { pageSize: job.pageSize, mfa: job.mfa, adminRoles: job.adminRoles });
  if (dest.type === 'entra') return entraSource(entraTransportFor(name, dest, deps, overrides), { pageSize: job.pageSize, logger: deps.logger, mfa: job.mfa, adminRoles: job.adminRoles });
  // The export job of large tenants waits through the transport's sleep and downloads through deps.http (egress-guarded).
  const exports = { http: deps.http, clock: deps.clock, sleep: overrides?.sleep ?? realSleep, logger: deps.logger, deadline, maxWaitMs: AUTH0_EXPORT_WAIT_MS };
  return auth0Source(auth0TransportFor(name, dest, deps, overrides), { pageSize: job.pageSize, adminRoles: job.adminRoles, adminRoleNames: job.adminRoleNames, export: exports });
}

/**
 * Which directory a connection reads: the provider and its org (Okta and Auth0 by the origin of
 * baseUrl, Entra by tenantId). A schedule moved to another one starts a new snapshot.
 */
function directoryOf(dest: Connection): string {
  if (dest.type === 'entra') return `entra ${dest.tenantId.toLowerCase()}`;
  return `${dest.type} ${new URL(dest.baseUrl).origin}`;
}

/** The job; `overrides` reach the transport (tests inject a sleep that does not wait). */
export function createIdentitySyncJob(overrides?: Partial<TransportOptions>) {
  return {
    async run(job: IdentitySyncJob, ctx: JobContext, deps: Deps): Promise<JobResult> {
      const dest = connectionOf(deps.config, job);
      if (!dest) throw new AppError('config_invalid', `Schedule ${ctx.schedule}: destination ${job.destination} is not a ${job.provider} destination`, { status: 500, retryable: false });
      const scope = { tenant: ctx.tenant, schedule: ctx.schedule, provider: job.provider, directory: directoryOf(dest) };
      return runSync(sourceOf(job, dest, deps, ctx.deadline, overrides), scope, ctx.deadline, deps);
    },
    problems(job: IdentitySyncJob, path: string, config: Config): string[] {
      const dest = configuredDestination(config, job.destination);
      const problems: string[] = [];
      if (!dest) problems.push(`${path}.destination: unknown destination "${job.destination}"`);
      else if (dest.type !== job.provider) problems.push(`${path}.destination: "${job.destination}" is a ${dest.type} destination, not ${job.provider}`);
      if (job.adminRoleNames && job.provider !== 'auth0') problems.push(`${path}.adminRoleNames: an Auth0 setting (${job.provider} counts every admin role)`);
      else if (job.adminRoleNames && !job.adminRoles) problems.push(`${path}.adminRoleNames: set adminRoles: true too, or roles are not read`);
      if (dest?.type === 'okta' && job.provider === 'okta') {
        // An OAuth service app reads only what its requested scopes allow (an API token: its admin's rights).
        const missing = missingScopes((dest as OktaDestinationConfig).oauth, [OKTA_SYNC_SCOPE, ...(job.adminRoles ? [OKTA_ROLES_SCOPE] : [])]);
        if (missing.length > 0) problems.push(`${path}.destination: the oauth.scopes of "${job.destination}" lack ${missing.join(' and ')}, which this sync needs`);
      }
      return problems;
    },
  };
}

export const identitySyncJob = createIdentitySyncJob();
