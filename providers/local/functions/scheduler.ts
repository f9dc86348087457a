import { scheduler } from '../../../functions/scheduler/handler';
import type { ScheduleReport } from '../../../shared/contracts';
import type { Deps } from '../../../shared/ports';
import { type AwsScheduleEvent, awsSchedule } from '../../aws/schedule';
import { localDeps } from '../deps';

/**
 * serverless-offline fires its schedule event every minute, and that event names no rule (empty
 * `resources`, no input), so the tick is named "scheduler" unless the event names one. Invocable
 * by hand too, with any payload or none.
 */
export function localScheduler(getDeps: () => Promise<Deps>) {
  const run = awsSchedule(scheduler, getDeps);
  return (event?: AwsScheduleEvent | null): Promise<ScheduleReport> => run({ name: 'scheduler', ...(event ?? {}) });
}

/** The `schedules` of the configuration, locally. */
export const handler = localScheduler(localDeps);
