/**
 * A GuardDuty finding as GuardDuty sends it to EventBridge (detail-type "GuardDuty Finding",
 * detail = the Finding object of https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html)
 * -> a Detection Finding with the same uid as the finding's ASFF copy in Security Hub (its ARN).
 */
import { FINDING_CLASS, type SeverityId } from '../ocsf';
import { compact, epochMs, num, obj, str, type Json } from '../read';
import type { MappedEvent } from '../types';
import { assembleAws, awsCloud, nonEmpty, transition, type AwsInput } from './common';
import { guardDutyResources } from './guardduty-resource';
import { isGuardDutySample } from './sample';

/** https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html: 1-3.9 Low, 4-6.9 Medium, 7-8.9 High, 9+ Critical. */
export function guardDutySeverity(severity: unknown): SeverityId {
  const n = num(severity);
  if (n === undefined || n <= 0) return 0;
  return n >= 9 ? 5 : n >= 7 ? 4 : n >= 4 ? 3 : 2;
}

/** The finding ARN, or the documented ARN form rebuilt from its parts. */
function uidOf(f: Json): string | undefined {
  const arn = str(f.arn);
  if (arn !== undefined) return arn;
  const [id, region, account, detector] = [str(f.id), str(f.region), str(f.accountId), str(obj(f.service)?.detectorId)];
  if (!id || !region || !account || !detector) return undefined;
  return `arn:${str(f.partition) ?? 'aws'}:guardduty:${region}:${account}:detector/${detector}/finding/${id}`;
}

/** The console link GuardDuty itself puts in SourceUrl, for the commercial partition. */
const consoleUrl = (partition: string, region: string | undefined, id: string | undefined): string | undefined =>
  partition === 'aws' && region && id
    ? `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${id}`
    : undefined;

export function mapGuardDutyFinding(detail: unknown, input: AwsInput): MappedEvent | undefined {
  const f = obj(detail);
  const uid = f && uidOf(f);
  if (f === undefined || uid === undefined) return undefined;
  const service = obj(f.service);
  const partition = str(f.partition) ?? 'aws';
  const region = str(f.region) ?? input.region;
  const account = str(f.accountId) ?? input.account;
  const archived = service?.archived === true;
  const type = str(f.type);
  return assembleAws(input, {
    uid,
    cls: FINDING_CLASS.detection,
    transition: transition(archived, f.createdAt, f.updatedAt),
    severityId: guardDutySeverity(f.severity),
    statusId: archived ? 4 : 1,
    statusDetail: archived ? 'ARCHIVED' : undefined,
    updatedAt: str(f.updatedAt),
    sample: isGuardDutySample(f),
    product: compact({ name: 'GuardDuty', vendor_name: 'Amazon', uid: region && `arn:${partition}:securityhub:${region}::product/aws/guardduty` }),
    cloud: awsCloud(account, region),
    finding_info: compact({
      uid,
      title: str(f.title) ?? type ?? str(f.id),
      desc: str(f.description),
      types: type === undefined ? undefined : [type],
      created_time: epochMs(f.createdAt),
      modified_time: epochMs(f.updatedAt),
      first_seen_time: epochMs(service?.eventFirstSeen),
      last_seen_time: epochMs(service?.eventLastSeen),
      src_url: consoleUrl(partition, region, str(f.id)),
    }),
    resources: guardDutyResources(f, { partition, region, account }),
    unmapped: nonEmpty(compact({
      count: num(service?.count),
      resource_role: str(service?.resourceRole),
      action_type: str(obj(service?.action)?.actionType),
      detector_id: str(service?.detectorId),
      confidence: num(f.confidence),
    })),
  });
}
