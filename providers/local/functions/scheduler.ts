import { scheduler } from '../../../functions/scheduler/handler';
import type { ScheduleReport } from '../../../shared/contracts';
import type { Deps } from '../../../shared/ports';
import { type AwsScheduleEvent, awsSchedule, toTick } from '../../aws/schedule';
import { localDeps } from '../deps';
import { loggedTick } from './scheduled';

/**
 * serverless-offline fires its schedule event every minute, and that event names no rule (empty
 * `resources`, no input), so the tick is named "scheduler" unless the event names one. Invocable
 * by hand too, with any payload or none. Deps that cannot be built (the local deps open the
 * queue and state files) are one logged line per tick (loggedTick), reported as not ok.
 */
export function localScheduler(getDeps: () => Promise<Deps>) {
  const run = awsSchedule(scheduler, getDeps);
  return (event?: AwsScheduleEvent | null): Promise<ScheduleReport> => {
    const tick = { name: 'scheduler', ...(event ?? {}) };
    return loggedTick('scheduler tick', () => run(tick), (error) => ({ name: tickName(tick), ok: false, details: { error } }));
  };
}

/** The name the tick runs as (toTick: `detail.name` first), for the report of one that could not run. */
function tickName(tick: AwsScheduleEvent): string {
  try {
    return toTick(tick, () => 0).name;
  } catch {
    return 'scheduler';
  }
}

/** The `schedules` of the configuration, locally. */
export const handler = localScheduler(localDeps);
