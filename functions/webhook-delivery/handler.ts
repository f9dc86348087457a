import type { RecordHandler, ScheduledHandler, ScheduleReport, Tick } from '../../shared/contracts';
import { errors } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { processDue } from '../../shared/delivery/engine/attempt';
import { deliveryDeps } from '../../shared/delivery/engine/deps';
import { type SweepOptions, sweepDue } from '../../shared/delivery/engine/sweep';

/**
 * webhook-delivery: makes the attempts of outbound webhook deliveries that are due. Two triggers
 * share the engine (shared/delivery/engine): a schedule that sweeps every due attempt (locally
 * the worker's loop, on the clouds a timer), and wake-up records naming one attempt (a delayed
 * queue message), which make attempts punctual between sweeps. Both are safe to repeat: the
 * delivery record decides, a wake-up carries no state.
 */
export const deliveryTick = (async (tick: Tick, deps: Deps, sweep?: SweepOptions): Promise<ScheduleReport> => {
  // `sweep`: the local loop runs sweeps side by side and shares their lanes (providers/local/delivery-loop.ts).
  const report = await sweepDue(deliveryDeps(deps), tick.deadline === undefined ? sweep : { ...sweep, deadline: tick.deadline });
  const made = report.succeeded + report.retrying + report.failed;
  if (made > 0 || report.errors > 0) deps.logger.info('delivery sweep', { ...report });
  if (report.stoppedForDeadline) {
    // The function's timeout is near: what is left stays due, for the next sweep or its wake-up.
    const deadline = new Date(tick.deadline!).toISOString();
    const started = made + report.deferred + report.busy + report.stale + report.errors;
    if (started > 0) deps.logger.info('delivery sweep stopped before the function timeout; the rest stays due', { deadline });
    else deps.logger.warn('delivery sweep stopped before the function timeout; the rest stays due (the timeout leaves no room for one attempt: it must exceed deliveries.timeoutSeconds + 10 s)', { deadline });
  }
  return { name: tick.name, ok: report.errors === 0, details: { ...report } };
}) satisfies ScheduledHandler;

/** A wake-up this much ahead of its due time is early: re-scheduled, not attempted. */
const EARLY_MS = 1000;

export const deliveryWakeUp: RecordHandler = async (record, deps) => {
  let due: unknown;
  try {
    due = JSON.parse(record.body);
  } catch {
    throw errors.badRequest('invalid_wakeup', 'A delivery wake-up must be JSON');
  }
  const d = (due ?? {}) as { at?: unknown; tenant?: unknown; id?: unknown };
  // `at` as the engine writes it: whole epoch ms. Another number would name a due key (its whole
  // part) whose record it does not match, and the attempt would lose that key as stale.
  if (!Number.isSafeInteger(d.at) || (d.at as number) < 0 || typeof d.tenant !== 'string' || typeof d.id !== 'string') {
    throw errors.badRequest('invalid_wakeup', 'A delivery wake-up names { at, tenant, id }, at in whole epoch ms');
  }
  const wake = { at: d.at as number, tenant: d.tenant, id: d.id };
  // Early: the queue caps a delay (SQS at 15 minutes, a Storage queue at 7 days), so a wake-up
  // for a later attempt arrives early and is sent on again for the rest of the wait (chaining).
  // If sending fails the record fails, so the queue redelivers it and the chain goes on; without
  // the port it is dropped. Either way the due key and the sweep still hold the attempt.
  if (wake.at > deps.clock.now() + EARLY_MS) {
    if (deps.wakeups) await deps.wakeups.schedule(wake);
    return;
  }
  await processDue(deliveryDeps(deps), wake);
};
