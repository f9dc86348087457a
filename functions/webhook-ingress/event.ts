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
 * on (source, id) even when a publish succeeded but its acknowledgement was lost. A mapped event
 * with a key (the vendor's own id of the event: an Okta uuid, an ASFF Id and revision) takes its
 * id from that key, one event alone as well as several, so a sender's resend is recognised even
 * when nothing identifies the delivery itself (a reused API key); events without a key are told
 * apart by their position. Without any identity the ids are random.
 */
function eventIds(deps: Deps, tenant: string, sourceId: string, verified: Verified, mapped: MappedEvent[]): string[] {
  const identity = verified.deliveryId ?? (verified.signature ? `sig:${verified.signature}` : undefined);
  if (mapped.length === 0 || (mapped.length === 1 && mapped[0]!.key === undefined)) return [identity ? stableEventId(tenant, sourceId, identity) : deps.ids.uuid()];
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
  const ceSource = `/webhooks/${sourceId}`;
  const origin = `webhook:${sourceId}`;
  // Each event is one literal, with subject and deliveryid set on it afterwards, rather than
  // `{ ...base, id, ... }`: on Node 20's V8 every property added to a spread copy costs about
  // half a microsecond (the copy's map is outside the transition tree), 4 µs per event here.
  const event = (id: string, type: string, time: string, datacontenttype: string, data: unknown, subject: string | undefined): CloudEvent => {
    const e: CloudEvent = { specversion: '1.0', source: ceSource, tenant: source.tenant, origin, id, type, time, datacontenttype, data };
    if (subject) e.subject = subject;
    if (verified.deliveryId) e.deliveryid = verified.deliveryId;
    return e;
  };
  if (result === undefined) {
    return [event(ids[0]!, EVENT_TYPES.webhookReceived, new Date(now).toISOString(), payload.contentType, payload.data, verified.event)];
  }
  return mapped.map((m, i) => event(ids[i]!, m.type, m.time ?? new Date(now).toISOString(), 'application/json', m.data, m.subject ?? verified.event));
}
