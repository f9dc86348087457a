import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
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
import type { TransportOptions } from '../../connectors/types';
import type { JobContext, JobResult } from './types';

/**
 * `identity-sync`: reads the users of Okta, Entra ID or Auth0 into a snapshot in the state store
 * and publishes `secorch.identity.user.created|deactivated|admin_granted|mfa_removed` events for
 * what changed (shared/connectors/identity). The connection (URL, credentials) is that of the
 * named destination of the same type; a destination without `on` acts on nothing and can serve
 * as a connection only. Each run continues the round in progress until it ends or the run's
 * deadline passes; positions persist after every page.
 */
export const identitySyncJobSchema = z.strictObject({
  type: z.literal('identity-sync'),
  provider: z.enum(['okta', 'entra', 'auth0']),
  /** An okta, entra or auth0 destination (matching `provider`) whose connection settings are used. */
  destination: z.string().check(z.minLength(1)),
  /** Users per page; default and maximum: Okta 200, Graph 999 (a preference), Auth0 100. */
  pageSize: z.optional(z.number().check(z.int(), z.positive(), z.lte(999))),
  /** Okta: count each active user's enrolled factors (one call per user and run) for mfa_removed. */
  mfa: z._default(z.boolean(), false),
  /** Okta: read admin role assignments (a few calls per run) for admin_granted. */
  adminRoles: z._default(z.boolean(), false),
});

export type IdentitySyncJob = z.output<typeof identitySyncJobSchema>;
type Connection = OktaDestinationConfig | EntraDestinationConfig | Auth0DestinationConfig;

function connectionOf(config: Config, job: IdentitySyncJob): Connection | undefined {
  const dest = config.destinations[job.destination] as { type: string } | undefined;
  return dest?.type === job.provider ? (dest as Connection) : undefined;
}

function sourceOf(job: IdentitySyncJob, dest: Connection, deps: Deps, overrides?: Partial<TransportOptions>): UserSource {
  const name = job.destination;
  if (dest.type === 'okta') return oktaSource(oktaTransportFor(name, dest, deps, overrides), { pageSize: job.pageSize, mfa: job.mfa, adminRoles: job.adminRoles });
  if (dest.type === 'entra') return entraSource(entraTransportFor(name, dest, deps, overrides), { pageSize: job.pageSize, logger: deps.logger });
  return auth0Source(auth0TransportFor(name, dest, deps, overrides), { pageSize: job.pageSize });
}

/** The job; `overrides` reach the transport (tests inject a sleep that does not wait). */
export function createIdentitySyncJob(overrides?: Partial<TransportOptions>) {
  return {
    async run(job: IdentitySyncJob, ctx: JobContext, deps: Deps): Promise<JobResult> {
      const dest = connectionOf(deps.config, job);
      if (!dest) throw new AppError('config_invalid', `Schedule ${ctx.schedule}: destination ${job.destination} is not a ${job.provider} destination`, { status: 500, retryable: false });
      const scope = { tenant: ctx.tenant, schedule: ctx.schedule, provider: job.provider };
      return runSync(sourceOf(job, dest, deps, overrides), scope, ctx.deadline, deps);
    },
    problems(job: IdentitySyncJob, path: string, config: Config): string[] {
      const dest = config.destinations[job.destination] as { type: string } | undefined;
      const problems: string[] = [];
      if (!dest) problems.push(`${path}.destination: unknown destination "${job.destination}"`);
      else if (dest.type !== job.provider) problems.push(`${path}.destination: "${job.destination}" is a ${dest.type} destination, not ${job.provider}`);
      if (job.provider !== 'okta' && (job.mfa || job.adminRoles)) problems.push(`${path}: mfa and adminRoles are Okta settings (${job.provider} yields what its listing holds)`);
      return problems;
    },
  };
}

export const identitySyncJob = createIdentitySyncJob();
