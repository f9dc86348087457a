import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent, HttpFunction } from '@google-cloud/functions-framework';
import { scheduler } from '../../../functions/scheduler/handler';
import type { Tick } from '../../../shared/contracts';
import type { Deps } from '../../../shared/ports';
import { gcpDeps } from '../deps';
import { depsOrLogged } from '../deps-failure';
import { type MessagePublishedData, publishedData } from '../pubsub';

/**
 * The `schedules` of the configuration, ticked every minute by a Cloud Scheduler job. The job can
 * target this function in either form; both become the same tick.
 */

const time = (value: unknown): number | undefined => {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * HTTP target: Cloud Scheduler sets X-CloudScheduler-JobName and, for unix-cron jobs,
 * X-CloudScheduler-ScheduleTime (RFC 3339 UTC) on the request.
 * https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs#HttpTarget
 */
export function httpTick(header: (name: string) => string | undefined, now: number): Tick {
  return { name: header('x-cloudscheduler-jobname') || 'scheduler', scheduledAt: time(header('x-cloudscheduler-scheduletime')) ?? now };
}

/**
 * Pub/Sub target: the job publishes its message to a topic and Eventarc delivers it as a
 * messagePublished CloudEvent; the message carries no job name unless the job sets a `name`
 * attribute, and its publish time stands for the schedule time.
 * https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs#PubsubTarget
 */
export function pubsubTick(ce: CloudEvent<MessagePublishedData>, now: number): Tick {
  // A direct push of an attribute-only message arrives unconverted (../pubsub.ts).
  const message = publishedData(ce)?.message;
  return { name: message?.attributes?.name || 'scheduler', scheduledAt: time(message?.publishTime) ?? time(ce.time) ?? now };
}

/**
 * Answers 200 with the report, or 500 when a schedule failed, which marks the attempt failed in
 * the Cloud Scheduler job's log (a retry, if the job has a retry config, reruns nothing: each due
 * time is already claimed). Deploy it with --no-allow-unauthenticated and an OIDC service account
 * on the scheduler job.
 */
export function gcpSchedulerHttp(getDeps: () => Promise<Deps>): HttpFunction {
  return async (req, res) => {
    const deps = await depsOrLogged(getDeps);
    const report = await scheduler(httpTick((name) => req.get(name), deps.clock.now()), deps);
    res.status(report.ok ? 200 : 500).json(report);
  };
}

/**
 * Resolves (acks) even when a schedule failed: a redelivery would rerun nothing (the due times
 * are claimed) and only repeat the failure in the log. Deps that cannot be built still throw
 * (logged redacted, ../deps-failure.ts).
 */
export function gcpSchedulerPubSub(getDeps: () => Promise<Deps>) {
  return async (ce: CloudEvent<MessagePublishedData>): Promise<void> => {
    const deps = await depsOrLogged(getDeps);
    await scheduler(pubsubTick(ce, deps.clock.now()), deps);
  };
}

functions.http('scheduler', gcpSchedulerHttp(gcpDeps));
functions.cloudEvent('schedulerPubSub', gcpSchedulerPubSub(gcpDeps));
