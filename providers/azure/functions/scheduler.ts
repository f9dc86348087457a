import { app, type InvocationContext, type Timer } from '@azure/functions';
import { scheduler } from '../../../functions/scheduler/handler';
import type { ScheduleReport } from '../../../shared/contracts';
import type { Deps } from '../../../shared/ports';
import { azureDeps } from '../deps';

/**
 * A timer trigger's invocation -> one scheduler tick. The timer carries no occurrence time of its
 * own (scheduleStatus holds the previous and next ones), so the tick is "now". A tick whose jobs
 * failed is logged, not thrown: a timer invocation is not retried, and the next tick runs anyway.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer
 */
export function azureScheduler(getDeps: () => Promise<Deps>) {
  return async (timer: Timer, context: InvocationContext): Promise<ScheduleReport> => {
    const deps = await getDeps();
    // isPastDue: the host was down or busy at the occurrence; the scheduler runs what is due now once.
    if (timer.isPastDue) deps.logger.warn('scheduler timer is past due', { invocationId: context.invocationId });
    return scheduler({ name: context.functionName || 'scheduler', scheduledAt: deps.clock.now() }, deps);
  };
}

/** The `schedules` of the configuration: every minute, at second 0 (NCRONTAB has a seconds field). */
app.timer('scheduler', { schedule: '0 */1 * * * *', handler: azureScheduler(azureDeps) });
