import type { JobConfig } from '../../config/sections/schedules';
import type { Deps } from '../../ports';

/** What a job knows about the run it performs. */
export interface JobContext {
  /** The schedule's name in the configuration. */
  schedule: string;
  tenant: string;
  /** Epoch ms of the due time being run: the same on every instance, so usable in stable ids. */
  due: number;
  /**
   * Epoch ms by which the job should return (deps.clock). Cooperative: a job checks it between
   * units of work and leaves the rest to its next run; nothing is cancelled from outside.
   */
  deadline: number;
}

/** A summary for the tick report and the log (counts, names; never event payloads or secrets). */
export type JobResult = Record<string, unknown> | undefined;

/**
 * One kind of job: a file under shared/schedules/jobs, registered in ./index.ts under the `type`
 * its configuration variant carries (shared/config/sections/schedules.ts). Its configuration checks are
 * not here: they are in its `<type>-config.ts`, registered in ./problems.ts, which validating the
 * configuration uses without the runners.
 */
export interface JobDefinition<C extends JobConfig = JobConfig> {
  run(job: C, ctx: JobContext, deps: Deps): Promise<JobResult>;
}
