import type { RecordHandler } from '../../shared/contracts';
import { AppError, isAppError } from '../../shared/errors';
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
 * envelope, or a findings event without findings, is `invalid_event`. A finding the bus refuses
 * for good (larger than it takes) fails the record with that refusal once the others are published.
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
  const seen = new Set<string>();
  const refused: AppError[] = [];
  for (const mapped of result.events) {
    const ce = toCloudEvent(event, mapped);
    // The same finding twice in one event (same key: uid, UpdatedAt, customer fields) is one CloudEvent.
    if (seen.has(ce.id)) continue;
    seen.add(ce.id);
    try {
      await deps.bus.publish(ce);
    } catch (e) {
      // The bus unavailable: stop, the retry publishes every finding again under the same ids. A
      // refusal of this one event (larger than the bus takes) repeats on every retry: the
      // findings after it must not wait behind it for ever.
      if (!isAppError(e) || e.retryable) throw e;
      log.error('finding not published', { findingEventId: ce.id, subject: ce.subject, error: e });
      refused.push(e);
    }
  }
  const published = seen.size - refused.length;
  deps.metrics.count('cloudfindings.published', published, tags);
  log.info('findings published', { count: published, ...(refused.length > 0 ? { refused: refused.length } : {}) });
  // Failed, not acknowledged: the platform keeps the event (Lambda's on-failure destination or DLQ).
  if (refused.length > 0) throw refused[0];
};
