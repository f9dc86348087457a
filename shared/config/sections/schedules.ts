import * as z from 'zod/mini';
import { archiveFlushJobSchema } from '../../schedules/jobs/archive-flush-config';
import { identitySyncJobSchema } from '../../schedules/jobs/identity-sync-config';
import { jiraSyncJobSchema } from '../../schedules/jobs/jira-sync-config';
import { servicenowSyncJobSchema } from '../../schedules/jobs/servicenow-sync-config';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * `schedules`: named jobs run by the one-minute timer of each cloud (EventBridge schedule, Azure
 * timer trigger, Cloud Scheduler) and locally by serverless-offline. Each runs at most once per
 * due time across all instances (shared/schedules). Rules the schema cannot express (a valid cron
 * expression, exactly one of cron and everySeconds, the destination a job names) are checked by
 * scheduleProblems when the configuration is compiled. A kind of job with checks of its own keeps
 * its schema and checks in `<type>-config.ts` under shared/schedules/jobs, apart from its runner:
 * every function validates the configuration, and only the scheduler needs the runners and the
 * connectors they use.
 */
const jobSchema = z.discriminatedUnion('type', [
  /** Publishes a CloudEvent of the given type (routes pick it up like any other event). */
  z.strictObject({ type: z.literal('emit'), eventType: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,200}$/)), data: z.optional(z.unknown()) }),
  archiveFlushJobSchema,
  /** Connector syncs: ticket status changes, identity changes. */
  jiraSyncJobSchema,
  servicenowSyncJobSchema,
  identitySyncJobSchema,
]);

export const scheduleSchema = z.strictObject({
  /** A five-field cron expression (minute hour day-of-month month day-of-week), in `timezone`. */
  cron: z.optional(nonEmpty),
  /** The IANA time zone the cron expression's wall-clock times are in (e.g. Europe/Berlin); default UTC. */
  timezone: z.optional(nonEmpty),
  /** Or: every N seconds (at least 60, the platform timer's period), counted from the Unix epoch. */
  everySeconds: z.optional(z.number().check(z.int(), z.gte(60))),
  tenant: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/)), 'default'),
  enabled: z._default(z.boolean(), true),
  job: jobSchema,
});

export const schedulesSchema = z.record(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)), scheduleSchema);

export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type JobConfig = ScheduleConfig['job'];
