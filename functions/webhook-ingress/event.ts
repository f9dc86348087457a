import { createHash } from 'node:crypto';
import type { SourceConfig } from '../../shared/config';
import { type CloudEvent, EVENT_TYPES } from '../../shared/events/cloudevent';
import { resolveMapper } from '../../shared/mappers/config';
import type { Deps } from '../../shared/ports';
import type { Verified } from '../../shared/webhooks/types';
import type { ParsedPayload } from './payload';

/**
 * A delivery's event id is derived from (tenant, source, delivery id), so the same delivery
 * always yields the same CloudEvent id and consumers can deduplicate on (source, id) even when a
 * publish succeeded but its acknowledgement was lost. Without a delivery id the id is random.
 */
function eventId(deps: Deps, tenant: string, sourceId: string, deliveryId: string | undefined): string {
  if (!deliveryId) return deps.ids.uuid();
  const h = createHash('sha256').update(`${tenant}\0${sourceId}\0${deliveryId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildEvent(deps: Deps, sourceId: string, source: SourceConfig, verified: Verified, payload: ParsedPayload): CloudEvent {
  const now = deps.clock.now();
  const mapped =
    source.mapper && payload.contentType === 'application/json'
      ? resolveMapper(source.mapper)({ event: verified.event, deliveryId: verified.deliveryId, payload: payload.data, receivedAt: now })
      : undefined;
  const event: CloudEvent = {
    specversion: '1.0',
    id: eventId(deps, source.tenant, sourceId, verified.deliveryId),
    source: `/webhooks/${sourceId}`,
    type: mapped?.type ?? EVENT_TYPES.webhookReceived,
    time: mapped?.time ?? new Date(now).toISOString(),
    datacontenttype: payload.contentType,
    data: mapped ? mapped.data : payload.data,
    tenant: source.tenant,
    origin: `webhook:${sourceId}`,
  };
  const subject = mapped?.subject ?? verified.event;
  if (subject) event.subject = subject;
  if (verified.deliveryId) event.deliveryid = verified.deliveryId;
  return event;
}
