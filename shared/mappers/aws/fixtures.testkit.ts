/**
 * Test material for the AWS mappers, all real (see ../../../../shared/fixtures/SOURCES.md): the
 * ASFF GuardDuty finding from the GuardDuty user guide wrapped, as SOURCES.md prescribes, in the
 * powertools EventBridge base envelope as a "Security Hub Findings - Imported" event; and
 * Trivy's ASFF output. Each call returns a fresh copy that tests may change.
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
