import type { Config } from '../../config/schema';
import type { JobConfig } from '../../config/sections/schedules';
import { archiveFlushProblems } from './archive-flush-config';
import { identitySyncProblems } from './identity-sync-config';
import { jiraSyncProblems } from './jira-sync-config';
import { servicenowSyncProblems } from './servicenow-sync-config';

type JobType = JobConfig['type'];
/** Problems of a job that only the whole configuration reveals (e.g. a named destination), as `path: message`. */
export type JobProblems<C extends JobConfig = JobConfig> = (job: C, path: string, config: Config) => string[];
type Registry = { [K in JobType]: JobProblems<Extract<JobConfig, { type: K }>> | undefined };

/**
 * The configuration checks of every kind of job, by the `type` of its configuration, apart from
 * the runners in ./index.ts: validating the configuration (every function's cold start) then
 * does not bundle the connectors the syncs use. Like
 * the runner registry, the mapped type fails to compile until a new type is listed here;
 * `undefined` is a kind with nothing to check beyond its schema.
 */
export const jobProblems: Registry = {
  emit: undefined,
  'archive-flush': archiveFlushProblems,
  'jira-sync': jiraSyncProblems,
  'servicenow-sync': servicenowSyncProblems,
  'identity-sync': identitySyncProblems,
};

/** Problems of one job that the rest of the configuration reveals, as `path: message`. */
export function jobProblemsOf(job: JobConfig, path: string, config: Config): string[] {
  const problems = jobProblems[job.type] as JobProblems | undefined;
  return problems?.(job, path, config) ?? [];
}
