import type { JobConfig } from '../../config/sections/schedules';
import { archiveFlushJob } from './archive-flush';
import { emitJob } from './emit';
import { identitySyncJob } from './identity-sync';
import { jiraSyncJob } from './jira-sync';
import { servicenowSyncJob } from './servicenow-sync';
import type { JobDefinition } from './types';

export type { JobContext, JobDefinition, JobResult } from './types';

type JobType = JobConfig['type'];
type Registry = { [K in JobType]: JobDefinition<Extract<JobConfig, { type: K }>> };

/**
 * Every kind of scheduled job, by the `type` of its configuration. A new kind (a connector sync)
 * is its runner beside these plus its variant in shared/config/sections/schedules.ts (the schema
 * and checks in a `<type>-config.ts` beside the runner, its checks also in ./problems.ts); the
 * mapped type makes this registry fail to compile until the new type is registered here.
 */
export const jobs: Registry = {
  emit: emitJob,
  'archive-flush': archiveFlushJob,
  'jira-sync': jiraSyncJob,
  'servicenow-sync': servicenowSyncJob,
  'identity-sync': identitySyncJob,
};

export const jobOf = (job: JobConfig): JobDefinition => jobs[job.type] as JobDefinition;
