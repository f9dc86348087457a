import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';

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
  const dest = configuredDestination(config, job.destination);
  if (!dest) return [`${path}.destination: unknown destination "${job.destination}"`];
  if (dest.type !== 'archive') return [`${path}.destination: "${job.destination}" is a ${dest.type} destination, not an archive`];
  return [];
}
