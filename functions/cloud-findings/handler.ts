import type { RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import { type CloudEvent, timeMs } from '../../shared/events/cloudevent';
import { mapAwsFindingEvent } from '../../shared/mappers/aws';
import { stableEventId } from '../../shared/events/ids';
import type { MappedEvent } from '../../shared/mappers/types';
import { type EventBridgeEnvelope, parseEnvelope } from './envelope';

/** Events of this capability belong to the default tenant (EventBridge rules are per account). */
const TENANT = 'default';

/**
 * One CloudEvent per finding. Its id is derived from the mapped event's key: the finding uid,
 * UpdatedAt and, for ASFF, a digest of the fields BatchUpdateFindings changes without moving
 * UpdatedAt. A redelivered EventBridge event, or Lambda's retry after a partial publish, yields
 * the same ids and consumers deduplicate on (source, id); an analyst's change yields a new one.
 */
function toCloudEvent(event: EventBridgeEnvelope, m: MappedEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: stableEventId(m.key ?? `${m.subject}@${event.time}`),
    source: event.source,
    type: m.type,
    time: m.time ?? new Date(timeMs(event.time)).toISOString(),
    subject: m.subject,
    datacontenttype: 'application/json',
    data: m.data,
    tenant: TENANT,
    origin: `eventbridge:${event.source}`,
    deliveryid: event.id,
  };
}

/**
 * cloud-findings: one EventBridge event per record (awsEventBridge adapter). Security Hub
 * "Findings - Imported" (ASFF) and "Findings Imported V2" (OCSF), and "GuardDuty Finding" events
 * become one secorch.finding.* event per
 * finding; other detail-types are logged and skipped (metric cloudfindings.skipped). An invalid
 * envelope, or a findings event without findings, is `invalid_event`.
 */
export const cloudFindings: RecordHandler = async (record, deps) => {
  const event = parseEnvelope(record.body);
  const tags = { source: event.source, detailType: event['detail-type'] };
  const log = deps.logger.child({ eventId: event.id, ...tags });
  const result = mapAwsFindingEvent(event, deps.clock.now());
  if (result.kind === 'unknown') {
    log.info('not a findings event: skipped');
    deps.metrics.count('cloudfindings.skipped', 1, tags);
    return;
  }
  if (result.kind === 'malformed') {
    throw new AppError('invalid_event', `${event['detail-type']}: ${result.reason}`, { status: 400, retryable: false });
  }
  if (result.skipped > 0) {
    log.warn('entries that are not findings were skipped', { skipped: result.skipped });
    deps.metrics.count('cloudfindings.malformed', result.skipped, tags);
  }
  const published = new Set<string>();
  for (const mapped of result.events) {
    const ce = toCloudEvent(event, mapped);
    // The same finding twice in one event (same key: uid, UpdatedAt, customer fields) is one CloudEvent.
    if (published.has(ce.id)) continue;
    await deps.bus.publish(ce);
    published.add(ce.id);
  }
  deps.metrics.count('cloudfindings.published', published.size, tags);
  log.info('findings published', { count: published.size });
};
