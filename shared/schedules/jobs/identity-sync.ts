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
import { oktaTransportFor } from '../../connectors/okta/transport';
import { realSleep } from '../../connectors/sleep';
import type { TransportOptions } from '../../connectors/types';
import type { IdentitySyncJob } from './identity-sync-config';
import type { JobContext, JobResult } from './types';

export { identitySyncJobSchema, type IdentitySyncJob } from './identity-sync-config';

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

/**
 * `identity-sync`: reads the users of Okta, Entra ID or Auth0 into a snapshot in the state store
 * and publishes `secorch.identity.user.created|deactivated|admin_granted|mfa_removed` events for
 * what changed (shared/connectors/identity). The connection (URL, credentials) is that of the
 * named destination of the same type; a destination without `on` acts on nothing and can serve
 * as a connection only. Each run continues the round in progress until it ends or the run's
 * deadline passes; positions persist after every page, each write conditional on the version the
 * run last saw, so a run still going when the next due time's run starts cannot write over it
 * (the one that writes second stops with a warning and `conflict: true` in its result).
 *
 * `overrides` reach the transport (tests inject a sleep that does not wait).
 */
export function createIdentitySyncJob(overrides?: Partial<TransportOptions>) {
  return {
    async run(job: IdentitySyncJob, ctx: JobContext, deps: Deps): Promise<JobResult> {
      const dest = connectionOf(deps.config, job);
      if (!dest) throw new AppError('config_invalid', `Schedule ${ctx.schedule}: destination ${job.destination} is not a ${job.provider} destination`, { status: 500, retryable: false });
      const scope = { tenant: ctx.tenant, schedule: ctx.schedule, provider: job.provider, directory: directoryOf(dest) };
      return runSync(sourceOf(job, dest, deps, ctx.deadline, overrides), scope, ctx.deadline, deps);
    },
  };
}

export const identitySyncJob = createIdentitySyncJob();
