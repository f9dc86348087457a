import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { destinationProblem } from './destination-problem';

/*
 * The configuration of an `archive-flush` job apart from its runner (./archive-flush.ts): every
 * function validates the configuration at cold start, and only the scheduler flushes archives.
 */

/** Writes the buffered events of archive destinations to object storage (unset: every archive destination). */
export const archiveFlushJobSchema = z.strictObject({ type: z.literal('archive-flush'), destination: z.optional(z.string().check(z.minLength(1))) });
export type ArchiveFlushJob = z.output<typeof archiveFlushJobSchema>;

/** Problems of an archive-flush job that the rest of the configuration reveals: a destination it names must be an archive. */
export function archiveFlushProblems(job: ArchiveFlushJob, path: string, config: Config): string[] {
  if (job.destination === undefined) return [];
  const problem = destinationProblem(config, job.destination, 'archive', path, 'an archive');
  return problem ? [problem] : [];
}
