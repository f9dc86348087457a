import type { SourceConfig } from '../../shared/config';
import { type CloudEvent, EVENT_TYPES } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import { resolveMapper } from '../../shared/mappers/config';
import { type MappedEvent, mappedEvents } from '../../shared/mappers/types';
import type { Deps } from '../../shared/ports';
import type { Verified } from '../../shared/webhooks/types';
import type { ParsedPayload } from './payload';

/**
 * Event ids are derived from what identifies the delivery (its delivery id, else its verified
 * signature), so a retried delivery yields the same CloudEvent ids and consumers can deduplicate
 * on (source, id) even when a publish succeeded but its acknowledgement was lost. Several events
 * of one delivery are told apart by the mapper's key, else their position. Without any identity
 * the ids are random.
 */
function eventIds(deps: Deps, tenant: string, sourceId: string, verified: Verified, mapped: MappedEvent[]): string[] {
  const identity = verified.deliveryId ?? (verified.signature ? `sig:${verified.signature}` : undefined);
  if (mapped.length <= 1) return [identity ? stableEventId(tenant, sourceId, identity) : deps.ids.uuid()];
  return mapped.map((m, i) =>
    m.key !== undefined ? stableEventId(tenant, sourceId, 'key', m.key) : identity ? stableEventId(tenant, sourceId, identity, String(i)) : deps.ids.uuid(),
  );
}

/** The CloudEvents of a verified delivery: one per mapped event, or the payload as received. */
export function buildEvents(deps: Deps, sourceId: string, source: SourceConfig, verified: Verified, payload: ParsedPayload): CloudEvent[] {
  const now = deps.clock.now();
  const result =
    source.mapper && payload.contentType === 'application/json'
      ? resolveMapper(source.mapper)({ event: verified.event, deliveryId: verified.deliveryId, payload: payload.data, receivedAt: now })
      : undefined;
  const mapped = mappedEvents(result);
  const ids = eventIds(deps, source.tenant, sourceId, verified, mapped);
  const base = { specversion: '1.0' as const, source: `/webhooks/${sourceId}`, tenant: source.tenant, origin: `webhook:${sourceId}` };
  const withDelivery = (e: CloudEvent): CloudEvent => (verified.deliveryId ? { ...e, deliveryid: verified.deliveryId } : e);
  if (result === undefined) {
    const event: CloudEvent = { ...base, id: ids[0]!, type: EVENT_TYPES.webhookReceived, time: new Date(now).toISOString(), datacontenttype: payload.contentType, data: payload.data };
    if (verified.event) event.subject = verified.event;
    return [withDelivery(event)];
  }
  return mapped.map((m, i) => {
    const event: CloudEvent = { ...base, id: ids[i]!, type: m.type, time: m.time ?? new Date(now).toISOString(), datacontenttype: 'application/json', data: m.data };
    const subject = m.subject ?? verified.event;
    if (subject) event.subject = subject;
    return withDelivery(event);
  });
}
