import type { Config } from '../config/schema';
import { cronProblem } from './due';
import { jobOf } from './jobs';

/**
 * Problems of `schedules` that the schema cannot see, as `schedules.<name>.<key>: message`, for
 * compileConfig to report with the others at cold start: exactly one of cron and everySeconds, a
 * cron expression croner accepts in five-field UTC mode and that fires at all, and whatever the
 * job's kind checks against the rest of the configuration. `now` only matters for "never fires".
 */
export function scheduleProblems(config: Pick<Config, 'schedules' | 'destinations'>, now = 0): string[] {
  const problems: string[] = [];
  for (const [name, schedule] of Object.entries(config.schedules)) {
    const path = `schedules.${name}`;
    if ((schedule.cron === undefined) === (schedule.everySeconds === undefined)) {
      problems.push(`${path}: give either cron or everySeconds`);
    }
    if (schedule.cron !== undefined) {
      const problem = cronProblem(schedule.cron, now);
      if (problem) problems.push(`${path}.cron: ${problem}`);
    }
    problems.push(...(jobOf(schedule.job).problems?.(schedule.job, `${path}.job`, config as Config) ?? []));
  }
  return problems;
}
