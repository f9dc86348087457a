import type { Config } from '../../config/schema';
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
 * its configuration variant carries (shared/config/sections/schedules.ts). Its `problems` is
 * defined in its `<type>-config.ts` and registered in ./problems.ts too, which the configuration
 * checks use without the runners.
 */
export interface JobDefinition<C extends JobConfig = JobConfig> {
  run(job: C, ctx: JobContext, deps: Deps): Promise<JobResult>;
  /** Configuration problems only the whole configuration reveals (e.g. a named destination), as `path: message`. */
  problems?(job: C, path: string, config: Config): string[];
}
