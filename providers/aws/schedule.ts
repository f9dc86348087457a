import type { ScheduledEvent } from 'aws-lambda';
import type { ScheduleReport, ScheduledHandler, Tick } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';

/**
 * EventBridge scheduled events (`detail-type: "Scheduled Event"`):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 * A target `input` (serverless.yml `schedule.input`) REPLACES the whole event with that JSON,
 * on AWS and in serverless-offline alike, and serverless-offline's own event has empty
 * `resources`. So the name is looked for in `detail.name`, then a top-level `name`, then the
 * rule (or EventBridge Scheduler schedule) ARN; the time falls back to the clock.
 */
export type AwsScheduleEvent = Partial<ScheduledEvent> & { name?: unknown };

/** ".../rule/<name>", ".../rule/<bus>/<name>" or Scheduler's ".../schedule/<group>/<name>". */
const ARN_NAME = /:(?:rule|schedule)\/(?:[^/]+\/)?([^/]+)$/;

export function toTick(event: AwsScheduleEvent, now: () => number): Tick {
  const detail = (event.detail ?? {}) as { name?: unknown };
  const fromArn = event.resources?.[0]?.match(ARN_NAME)?.[1];
  const name = [detail.name, event.name, fromArn].find((n): n is string => typeof n === 'string' && n.length > 0);
  if (name === undefined) {
    throw new Error('Scheduled event names no schedule: give the target input {"name": "<schedule>"} or use a rule ARN');
  }
  const at = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return { name, scheduledAt: Number.isNaN(at) ? now() : at };
}

/** The part of Lambda's context a schedule reads: the time left before the function's timeout. */
export interface AwsScheduleContext {
  getRemainingTimeInMillis?: () => number;
}

export function awsSchedule(handler: ScheduledHandler, getDeps: () => Promise<Deps>) {
  return async (event: AwsScheduleEvent, context?: AwsScheduleContext): Promise<ScheduleReport> => {
    const deps = await getDeps();
    const tick = toTick(event, () => deps.clock.now());
    const left = context?.getRemainingTimeInMillis?.();
    return handler(typeof left === 'number' && Number.isFinite(left) ? { ...tick, deadline: deps.clock.now() + left } : tick, deps);
  };
}
