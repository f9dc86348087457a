import type { CloudEvent } from '../../shared/events/cloudevent';
import { errors } from '../../shared/errors';
import { AWS_FINDING_EVENTS } from '../../shared/mappers/aws';

/**
 * `source` values the server gives its own events, which a client of `POST /events` may not use:
 * `/webhooks/<source id>` (webhook ingress and its audit events), `//secorch/schedules/<name>`
 * (schedules and sync jobs), `//storage/<bucket>` (reports dropped in buckets) and
 * `secorch/deliveries` (delivery notices), and the EventBridge sources whose findings the
 * cloud-findings capability publishes as they are (`aws.securityhub`, `aws.guardduty`).
 *
 * An event is identified by its source and id together (CloudEvents 1.0 `id`): the delivery
 * engine keys an event's deliveries and stored copy on them, the router its delivered marks. The
 * server derives its ids from facts (a schedule's name and due time, a subscription id and an
 * attempt count), so a client posting one of these sources with the id the server will give
 * would take that event's place (cloud-findings derives its ids from a finding's uid and update
 * time, which whoever reads Security Hub knows): the server's event then finds its deliveries and
 * destinations already done, or a client's event overwrites the stored copy that pending
 * deliveries send.
 * `origin` tells the two apart but is not part of that identity, hence the refusal. Letter case
 * is ignored, so no source passes for the server's by its case alone.
 */
const RESERVED_SOURCE = /^(?:\/webhooks\/|\/\/secorch\/|\/\/storage\/|secorch\/)/i;
const AWS_SOURCES = new Set(AWS_FINDING_EVENTS.map((e) => e.source.toLowerCase()));
const reserved = (source: string) => RESERVED_SOURCE.test(source) || AWS_SOURCES.has(source.toLowerCase());

/** Throws 400 `reserved_source` naming each event (by index in a batch) that uses one. */
export function refuseReservedSources(events: readonly CloudEvent[], batch: boolean): void {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (reserved(e.source)) problems.push(`${batch ? `[${i}].` : ''}source: the server's own events use this source; choose one of your own`);
  });
  if (problems.length === 0) return;
  throw errors.badRequest('reserved_source', `The server sets sources under /webhooks/, //secorch/, //storage/ and secorch/, and ${[...AWS_SOURCES].join(' and ')}; clients cannot`, {
    problems: problems.slice(0, 50),
  });
}
