import type { Config } from '../config/schema';
import { cronProblem, isKnownTimeZone } from './due';
import { jobProblemsOf } from './jobs/problems';

/**
 * Problems of `schedules` that the schema cannot see, as `schedules.<name>.<key>: message`, for
 * compileConfig to report with the others at cold start: exactly one of cron and everySeconds, a
 * cron expression croner accepts in five-field mode and that fires at all, a time zone the
 * runtime knows (and only beside cron: everySeconds counts from the epoch, in no zone), and
 * whatever the job's kind checks against the rest of the configuration. `now` only matters for "never fires".
 */
export function scheduleProblems(config: Pick<Config, 'schedules' | 'destinations'>, now = 0): string[] {
  const problems: string[] = [];
  for (const [name, schedule] of Object.entries(config.schedules)) {
    const path = `schedules.${name}`;
    if ((schedule.cron === undefined) === (schedule.everySeconds === undefined)) {
      problems.push(`${path}: give either cron or everySeconds`);
    }
    const zone = schedule.timezone;
    if (zone !== undefined && !isKnownTimeZone(zone)) {
      problems.push(`${path}.timezone: unknown time zone "${zone}"; use an IANA name such as Europe/Berlin or America/New_York`);
    } else if (zone !== undefined && schedule.cron === undefined) {
      problems.push(`${path}.timezone: only applies to cron; everySeconds counts from the Unix epoch`);
    }
    if (schedule.cron !== undefined && (zone === undefined || isKnownTimeZone(zone))) {
      const problem = cronProblem(schedule.cron, now, zone);
      if (problem) problems.push(`${path}.cron: ${problem}`);
    }
    problems.push(...jobProblemsOf(schedule.job, `${path}.job`, config as Config));
  }
  return problems;
}
