import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { destinationProblem } from './destination-problem';

/*
 * The configuration of a `jira-sync` job apart from its runner (./jira-sync.ts): every function
 * validates the configuration at cold start, and only the scheduler runs the sync and needs the
 * Jira connector.
 */

/** A `jira-sync` job: the destination whose issues it reads (the job: ./jira-sync.ts). */
export const jiraSyncJobSchema = z.strictObject({
  type: z.literal('jira-sync'),
  /** A `jira` destination: its site, credentials and project. */
  destination: z.string().check(z.minLength(1)),
  /** Issues per search page (Jira returns at most 100 with fields). */
  pageSize: z._default(z.number().check(z.int(), z.positive(), z.lte(100)), 100),
});
export type JiraSyncJob = z.output<typeof jiraSyncJobSchema>;

/** Problems of a jira-sync job that the rest of the configuration reveals: its destination must be a jira one. */
export function jiraSyncProblems(job: JiraSyncJob, path: string, config: Config): string[] {
  const problem = destinationProblem(config, job.destination, 'jira', path);
  return problem ? [problem] : [];
}
