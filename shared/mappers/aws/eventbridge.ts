/**
 * The EventBridge events that carry AWS findings, each mapped to one MappedEvent per finding.
 *   Security Hub CSPM (ASFF): https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
 *   Security Hub (OCSF):      https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html
 *   GuardDuty:                https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
 */
import { timeMs } from '../../events/cloudevent';
import { isRfc3339 } from '../../events/spec-checks';
import { arr, inRfc3339Range, obj, str, type Json } from '../read';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import type { AwsInput } from './common';
import { mapGuardDutyFinding } from './guardduty';
import { mapOcsfFinding } from './ocsf-v2';

/**
 * (source, detail-type) pairs we map, and the format of their findings. AWS reserves "aws."
 * sources, so custom events cannot pose as these.
 */
export const AWS_FINDING_EVENTS = [
  { source: 'aws.securityhub', detailType: 'Security Hub Findings - Imported', format: 'asff' },
  { source: 'aws.securityhub', detailType: 'Findings Imported V2', format: 'ocsf' },
  { source: 'aws.guardduty', detailType: 'GuardDuty Finding', format: 'guardduty' },
] as const;

/** The mapper of each entry of a `detail.findings` list, and what a mappable entry has. */
const FINDING_LISTS = {
  asff: { map: mapAsffFinding, needs: 'ASFF finding with an Id' },
  ocsf: { map: mapOcsfFinding, needs: 'OCSF finding with class_uid, finding_info.uid, severity_id, time and metadata' },
} as const;

export type AwsEventResult =
  /** Not an event we map (another detail-type or source). */
  | { kind: 'unknown' }
  /** One of ours, but its detail holds no finding we can map. */
  | { kind: 'malformed'; reason: string }
  /** The mapped findings, in order; `skipped` counts entries that were not findings. */
  | { kind: 'findings'; events: MappedEvent[]; skipped: number };

/** Epoch ms of the envelope's RFC 3339 `time` (a leap second read as the second before it). */
function envelopeTime(event: Json): number | undefined {
  const time = str(event.time);
  const ms = time !== undefined && isRfc3339(time) ? timeMs(time) : NaN;
  return Number.isNaN(ms) || !inRfc3339Range(ms) ? undefined : ms;
}

/**
 * Maps an EventBridge event (already known to be a JSON object) received at `receivedAt`.
 * `reported`: uids of findings known to have been reported before; `firstReports`: uids known to
 * be reported for the first time (see AwsInput).
 */
export function mapAwsFindingEvent(event: Json, receivedAt: number, reported?: ReadonlySet<string>, firstReports?: ReadonlySet<string>): AwsEventResult {
  const source = str(event.source);
  const detailType = str(event['detail-type']);
  const known = AWS_FINDING_EVENTS.find((e) => e.source === source && e.detailType === detailType);
  if (known === undefined) return { kind: 'unknown' };
  const input: AwsInput = {
    receivedAt,
    deliveryId: str(event.id),
    eventTime: envelopeTime(event),
    eventCode: detailType,
    account: str(event.account),
    region: str(event.region),
    reported,
    firstReports,
  };
  const detail = obj(event.detail);
  if (known.format === 'guardduty') {
    const mapped = mapGuardDutyFinding(detail, input);
    return mapped ? { kind: 'findings', events: [mapped], skipped: 0 } : { kind: 'malformed', reason: 'detail is not a GuardDuty finding with an id' };
  }
  const list = FINDING_LISTS[known.format];
  const findings = arr(detail?.findings);
  const events = findings.map((f) => list.map(f, input)).filter((e): e is MappedEvent => e !== undefined);
  if (events.length === 0) return { kind: 'malformed', reason: `detail.findings holds no ${list.needs}` };
  return { kind: 'findings', events, skipped: findings.length - events.length };
}
