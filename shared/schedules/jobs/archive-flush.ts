import { archiveConfigs, flushArchive } from '../../destinations/archive';
import type { ArchiveFlushJob } from './archive-flush-config';
import type { JobDefinition } from './types';

/**
 * `archive-flush`: writes the events buffered by archive destinations (one, or all of them) to
 * object storage. Destinations are flushed one after another within the run's deadline; one that
 * fails is logged and does not stop the others, and the job then fails with the first error.
 */
export const archiveFlushJob: JobDefinition<ArchiveFlushJob> = {
  async run(job, ctx, deps) {
    const targets = archiveConfigs(deps.config, job.destination);
    const flushed: Record<string, unknown> = {};
    // A list, not `firstError ??= e`: a rejection with undefined would read as no failure at all.
    const errors: unknown[] = [];
    for (const [name, config] of targets) {
      try {
        flushed[name] = await flushArchive(name, config, deps, { deadline: ctx.deadline });
      } catch (e) {
        errors.push(e);
        deps.logger.error('archive flush failed', { destination: name, error: e });
      }
    }
    if (errors.length > 0) throw errors[0];
    return { flushed };
  },
};
