/**
 * Test material for the AWS mappers. Real (see ../../../../shared/fixtures/SOURCES.md): the ASFF
 * GuardDuty finding from the GuardDuty user guide wrapped, as SOURCES.md prescribes, in the
 * powertools EventBridge base envelope as a "Security Hub Findings - Imported" event; and Trivy's
 * ASFF output. Where no real sample is published (GuardDuty's native finding, a "Findings
 * Imported V2" event), that ASFF finding written in the other shape, as said at each. Each call
 * returns a fresh copy that tests may change.
 */
import { fixtureJson } from '../../../test/fixtures';

export type Json = Record<string, unknown>;

export const guardDutyAsff = (): Json => fixtureJson<Json>('events/aws-securityhub-asff-guardduty-finding.json');

/** The EventBridge event Security Hub sends for imported findings (securityhub-cwe-event-formats). */
export function importedEvent(findings: unknown[] = [guardDutyAsff()]): Json {
  const base = fixtureJson<Json>('events/aws-eventbridge-base.json');
  return { ...base, source: 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported', detail: { findings } };
}

export const trivyVulns = (): Json[] => fixtureJson<{ Findings: Json[] }>('scanner/trivy-alpine-310.asff.json').Findings;
export const trivySecrets = (): Json[] => fixtureJson<{ Findings: Json[] }>('scanner/trivy-secrets.asff.json').Findings;

/** The ASFF finding's ARN: GuardDuty's own finding ARN, hence the uid on both paths. */
export const GD_ARN =
  'arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea';

/*
 * No recorded "GuardDuty Finding" event is published in the AWS documentation (the EventBridge
 * page shows the envelope with `"detail": {GUARDDUTY_FINDING_JSON_OBJECT}`), so there is no
 * fixture-based test of the native form. This one is NOT a recorded event: it is the real ASFF
 * fixture's finding written back in GuardDuty's own shape, field by field from the ASFF copy's
 * ProductFields and the API Finding reference
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html), to check that
 * both paths give the same finding the same uid. Severity 2 is the ASFF copy's Severity.Product.
 */
export const guardDutyNative = (): Json => ({
  schemaVersion: '2.0', accountId: '193043430472', region: 'us-east-1', partition: 'aws',
  id: '46ba0ac2845071e23ccdeb2ae03bfdea', arn: GD_ARN, type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0c10c2c7863d1a356', instanceType: 't2.micro', imageId: 'ami-02354e95b39ca8dec', networkInterfaces: [{}] } },
  service: {
    serviceName: 'guardduty', detectorId: 'd4b040365221be2b54a6264dc9a4bc64', action: { actionType: 'NETWORK_CONNECTION' },
    resourceRole: 'TARGET', eventFirstSeen: '2020-08-22T09:15:57Z', eventLastSeen: '2020-09-30T11:56:49Z', archived: false, count: 74,
  },
  severity: 2, createdAt: '2020-08-22T09:34:34.146Z', updatedAt: '2020-09-30T12:14:00.206Z',
  title: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
});

/*
 * A "Findings Imported V2" event. NOT a recorded event: no real one is in ../shared/fixtures, and
 * AWS documents the envelope with a placeholder for the finding
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html).
 * The envelope is that documented example (its id, account, time, region and resources); the
 * finding is the GuardDuty ASFF fixture's finding written in OCSF the way Security Hub writes V2
 * findings (https://docs.aws.amazon.com/securityhub/latest/userguide/ocsf-findings.html): the
 * GuardDuty finding ARN as finding_info.uid, a `productv2` product ARN, metadata.uid equal to the
 * event's resources[0], epoch-ms times with their `_dt` twins.
 */
export const V2_METADATA_UID = 'e51603d1054aad9d9f498d82d6e81acf4cf6bc88140e8ad2273123c73b81084';

export const ocsfV2Finding = (): Json => ({
  activity_id: 2, activity_name: 'Update', category_uid: 2, category_name: 'Findings',
  class_uid: 2004, class_name: 'Detection Finding', type_uid: 200402, type_name: 'Detection Finding: Update',
  severity_id: 3, severity: 'Medium', status_id: 1, status: 'New',
  time: Date.parse('2020-09-30T12:14:00.206Z'), time_dt: '2020-09-30T12:14:00.206Z',
  cloud: { provider: 'AWS', region: 'us-east-1', cloud_partition: 'aws', account: { uid: '193043430472', type: 'AWS Account', type_id: 10 } },
  finding_info: {
    uid: GD_ARN, uid_alt: '46ba0ac2845071e23ccdeb2ae03bfdea',
    title: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
    types: ['UnauthorizedAccess:EC2/SSHBruteForce'],
    created_time: Date.parse('2020-08-22T09:34:34.146Z'), created_time_dt: '2020-08-22T09:34:34.146Z',
    modified_time: Date.parse('2020-09-30T12:14:00.206Z'), modified_time_dt: '2020-09-30T12:14:00.206Z',
    first_seen_time: Date.parse('2020-08-22T09:15:57Z'), last_seen_time: Date.parse('2020-09-30T11:56:49Z'),
  },
  resources: [{ type: 'AWS::EC2::Instance', uid: 'arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356', region: 'us-east-1', cloud_partition: 'aws' }],
  metadata: {
    version: '1.5.0', profiles: ['cloud', 'datetime'], uid: V2_METADATA_UID,
    product: { name: 'GuardDuty', vendor_name: 'AWS', uid: 'arn:aws:securityhub:us-east-1::productv2/aws/guardduty' },
  },
});

export function importedV2Event(findings: unknown[] = [ocsfV2Finding()]): Json {
  return {
    version: '0', id: 'CWE-event-id', 'detail-type': 'Findings Imported V2', source: 'aws.securityhub',
    account: '111122223333', time: '2019-04-11T21:52:17Z', region: 'us-west-2', resources: [V2_METADATA_UID],
    detail: { findings },
  };
}
