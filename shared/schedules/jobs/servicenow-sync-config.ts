import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { destinationProblem } from './destination-problem';

/*
 * The configuration of a `servicenow-sync` job apart from its runner (./servicenow-sync.ts):
 * every function validates the configuration at cold start, and only the scheduler runs the sync
 * and needs the ServiceNow connector.
 */

/** A `servicenow-sync` job: the destination whose records it reads and how (the job: ./servicenow-sync.ts). */
export const servicenowSyncJobSchema = z.strictObject({
  type: z.literal('servicenow-sync'),
  /** The `servicenow` destination whose instance, credentials and table are read. */
  destination: z.string().check(z.minLength(1)),
  pageSize: z._default(z.number().check(z.int(), z.gte(1), z.lte(1000)), 200),
  lookbackSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(3600)), 60),
});
export type ServiceNowSyncJob = z.output<typeof servicenowSyncJobSchema>;

/** Problems of a servicenow-sync job that the rest of the configuration reveals: its destination must be a servicenow one. */
export function servicenowSyncProblems(job: ServiceNowSyncJob, path: string, config: Config): string[] {
  const problem = destinationProblem(config, job.destination, 'servicenow', path);
  return problem ? [problem] : [];
}
