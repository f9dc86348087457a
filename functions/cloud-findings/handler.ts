import type { RecordHandler } from '../../shared/contracts';
import { AppError, isAppError } from '../../shared/errors';
import { type CloudEvent, timeMs } from '../../shared/events/cloudevent';
import { AWS_FINDING_EVENTS, mapAwsFindingEvent } from '../../shared/mappers/aws';
import { stableEventId } from '../../shared/events/ids';
import { TRANSITION_EVENT_TYPES, type MappedEvent } from '../../shared/mappers/types';
import type { Deps } from '../../shared/ports';
import { type EventBridgeEnvelope, parseEnvelope } from './envelope';
import { failUnlessKept } from './dead-letter';
import { firstSeenKey, firstSighting } from './first-seen';

/** Events of this capability belong to the default tenant (EventBridge rules are per account); so do its dead letters. */
export const TENANT = 'default';

/**
 * One CloudEvent per finding. Its id is derived from the mapped event's key: the finding uid,
 * UpdatedAt and, for ASFF, a digest of the fields BatchUpdateFindings changes without moving
 * UpdatedAt. A redelivered EventBridge event, or Lambda's retry after a partial publish, yields
 * the same ids and consumers deduplicate on (source, id); an analyst's change yields a new one.
 * A finding without UpdatedAt has no key: its id is derived from the EventBridge event id and
 * the finding uid, the same for a redelivery of that event and new for any other event.
 */
function toCloudEvent(event: EventBridgeEnvelope, m: MappedEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: m.key !== undefined ? stableEventId(m.key) : stableEventId('eventbridge', event.id, m.subject ?? ''),
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
 * The CloudEvents of an event's findings, one per id (the same finding twice in one event, same
 * key, is one). Each finding's sighting is recorded before anything is published (first-seen.ts):
 * a `created` whose finding was first seen in another revision is mapped again as reported
 * before, i.e. as the mapper writes an update; a redelivery of the first revision stays created.
 * And an update that is the first revision seen is mapped again as a first report: an ASFF
 * finding whose workflow status an automation rule set as Security Hub ingested it (NOTIFIED on
 * a finding never updated) is then created, not updated (asffTransition).
 */
async function findingEvents(event: EventBridgeEnvelope, mapped: MappedEvent[], deps: Deps, now: number): Promise<CloudEvent[]> {
  const out: CloudEvent[] = [];
  const repeats: Remap = { at: [], uids: new Set() };
  const firsts: Remap = { at: [], uids: new Set() };
  const ids = new Set<string>();
  for (const [index, m] of mapped.entries()) {
    const ce = toCloudEvent(event, m);
    if (ids.has(ce.id)) continue;
    ids.add(ce.id);
    const created = m.type === TRANSITION_EVENT_TYPES.created;
    const first = m.subject !== undefined && (await firstSighting(deps.store, firstSeenKey(TENANT, event.source, event['detail-type'], m.subject), ce.id, now, created));
    const remap = m.subject === undefined ? undefined : created && !first ? repeats : first && mayBeFirstReport(event, m) ? firsts : undefined;
    if (remap) {
      remap.at.push([out.length, index]);
      remap.uids.add(m.subject!);
    }
    out.push(ce);
  }
  // The same event and time: the same findings in the same order, each set mapped as it says.
  if (repeats.at.length > 0) replace(out, event, mapAwsFindingEvent(event, now, repeats.uids), repeats);
  if (firsts.at.length > 0) replace(out, event, mapAwsFindingEvent(event, now, undefined, firsts.uids), firsts);
  return out;
}

/**
 * An update the workflow rule alone made one: an ASFF finding never updated (created and modified
 * at the same time, asffTransition), the only case a first report can turn into a create. The
 * other formats' mappers do not read `firstReports`: mapping their events again would change nothing.
 */
function mayBeFirstReport(event: EventBridgeEnvelope, m: MappedEvent): boolean {
  if (m.type !== TRANSITION_EVENT_TYPES.updated || event['detail-type'] !== ASFF_DETAIL_TYPE) return false;
  const info = (m.data as { finding_info?: { created_time?: unknown; modified_time?: unknown } } | undefined)?.finding_info;
  return info?.created_time !== undefined && info.created_time === info.modified_time;
}

const ASFF_DETAIL_TYPE = AWS_FINDING_EVENTS.find((e) => e.format === 'asff')!.detailType;

/** Findings to map again: their places in the output and in the mapper's list, and their uids. */
interface Remap {
  at: [out: number, index: number][];
  uids: Set<string>;
}

function replace(out: CloudEvent[], event: EventBridgeEnvelope, again: ReturnType<typeof mapAwsFindingEvent>, remap: Remap): void {
  for (const [at, index] of remap.at) {
    const m = again.kind === 'findings' ? again.events[index] : undefined;
    if (m === undefined) throw new AppError('internal_error', 'cloud-findings: a finding mapped once did not map again', { status: 500, expose: false });
    out[at] = toCloudEvent(event, m);
  }
}

/**
 * One EventBridge event (its JSON, `body`) received at `now`: Security Hub "Findings - Imported"
 * (ASFF) and "Findings Imported V2" (OCSF), and "GuardDuty Finding" events become one
 * secorch.finding.* event per finding; other detail-types are logged and skipped (metric
 * cloudfindings.skipped). Answers the ids published. An invalid envelope, or a findings event
 * without findings, is `invalid_event`. A finding the bus refuses for good (larger than it takes)
 * throws that refusal once the others are published. `created` is sent for the first revision of
 * a finding seen (first-seen.ts, in deps.store); a store failure throws, retryably, before
 * anything is published. A dead letter's replay runs this again (functions/api).
 */
export async function publishFindingEvents(body: string, deps: Deps, now = deps.clock.now()): Promise<string[]> {
  const event = parseEnvelope(body);
  const tags = { source: event.source, detailType: event['detail-type'] };
  const log = deps.logger.child({ eventId: event.id, ...tags });
  const result = mapAwsFindingEvent(event, now);
  if (result.kind === 'unknown') {
    log.info('not a findings event: skipped');
    deps.metrics.count('cloudfindings.skipped', 1, tags);
    return [];
  }
  if (result.kind === 'malformed') {
    throw new AppError('invalid_event', `${event['detail-type']}: ${result.reason}`, { status: 400, retryable: false });
  }
  if (result.skipped > 0) {
    log.warn('entries that are not findings were skipped', { skipped: result.skipped });
    deps.metrics.count('cloudfindings.malformed', result.skipped, tags);
  }
  const events = await findingEvents(event, result.events, deps, now);
  const refused: AppError[] = [];
  const ids: string[] = [];
  for (const ce of events) {
    try {
      await deps.bus.publish(ce);
      ids.push(ce.id);
    } catch (e) {
      // The bus unavailable: stop, the retry publishes every finding again under the same ids. A
      // refusal of this one event (larger than the bus takes) repeats on every retry: the
      // findings after it must not wait behind it for ever.
      if (!isAppError(e) || e.retryable) throw e;
      log.error('finding not published', { findingEventId: ce.id, subject: ce.subject, error: e });
      refused.push(e);
    }
  }
  const published = events.length - refused.length;
  deps.metrics.count('cloudfindings.published', published, tags);
  log.info('findings published', { count: published, ...(refused.length > 0 ? { refused: refused.length } : {}) });
  if (refused.length > 0) throw refused[0];
  return ids;
}

/**
 * cloud-findings: one EventBridge event per record (awsEventBridge adapter), published by
 * publishFindingEvents. A failure no retry mends (invalid_event, a finding the bus refuses for
 * good), or any failure at the record's last attempt (InboundRecord.maxReceives), is kept as an
 * inbound dead letter (kind eventbridge, ./dead-letter.ts) and the record acknowledged; any other
 * is thrown, for Lambda to retry.
 */
export const cloudFindings: RecordHandler = async (record, deps) => {
  try {
    await publishFindingEvents(record.body, deps);
  } catch (e) {
    await failUnlessKept(deps, record, e, TENANT);
  }
};
