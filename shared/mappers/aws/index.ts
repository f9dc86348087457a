/**
 * The `securityhub` mapper, for sources that receive AWS findings over a webhook (an EventBridge
 * API destination, a scanner posting ASFF): an EventBridge findings event (Security Hub CSPM's
 * ASFF, Security Hub's OCSF "Findings Imported V2", or GuardDuty), a BatchImportFindings-style `{ "Findings": [...] }` document (Trivy's ASFF output),
 * or one ASFF finding. Lists give one event per finding.
 */
import { arr, obj, str } from '../read';
import type { AnyMapper, MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';

export { asffUid, mapAsffFinding } from './asff';
export { guardDutySeverity, mapGuardDutyFinding } from './guardduty';
export { mapOcsfFinding } from './ocsf-v2';
export { isAsffSample, isGuardDutySample, SAMPLE_LABEL } from './sample';
export { AWS_FINDING_EVENTS, mapAwsFindingEvent, type AwsEventResult } from './eventbridge';

export const securityhubMapper: AnyMapper = (input) => {
  const p = obj(input.payload);
  if (p === undefined) return undefined;
  if (str(p['detail-type']) !== undefined) {
    const result = mapAwsFindingEvent(p, input.receivedAt);
    return result.kind === 'findings' ? result.events : undefined;
  }
  const aws = { receivedAt: input.receivedAt, deliveryId: input.deliveryId, eventCode: input.event };
  const list = Array.isArray(p.Findings) ? p.Findings : Array.isArray(p.findings) ? p.findings : undefined;
  if (list === undefined) return mapAsffFinding(p, aws);
  const events = arr(list).map((f) => mapAsffFinding(f, aws)).filter((e): e is MappedEvent => e !== undefined);
  return events.length > 0 ? events : undefined;
};
