import type { CloudEvent } from '../../events/cloudevent';
import { stableEventId } from '../../events/ids';
import type { JobConfig } from '../../config/sections/schedules';
import type { JobDefinition } from './types';

type EmitJob = Extract<JobConfig, { type: 'emit' }>;

/** The event a run of an emit schedule publishes; its id is stable per (schedule, due time). */
export function scheduledEvent(job: EmitJob, schedule: string, tenant: string, due: number): CloudEvent {
  const event: CloudEvent = {
    specversion: '1.0',
    // Stable, so a run repeated after a lost acknowledgement is deduplicated downstream on (source, id).
    id: stableEventId('schedule', tenant, schedule, String(due)),
    source: `//secorch/schedules/${schedule}`,
    type: job.eventType,
    time: new Date(due).toISOString(),
    tenant,
    origin: `schedule:${schedule}`,
  };
  if (job.data !== undefined) {
    event.datacontenttype = 'application/json';
    event.data = job.data;
  }
  return event;
}

/** `emit`: publishes one CloudEvent per run; routes and subscriptions pick it up like any other event. */
export const emitJob: JobDefinition<EmitJob> = {
  async run(job, ctx, deps) {
    const event = scheduledEvent(job, ctx.schedule, ctx.tenant, ctx.due);
    await deps.bus.publish(event);
    return { eventId: event.id, type: event.type };
  },
};
