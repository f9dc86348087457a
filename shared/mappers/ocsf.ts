/**
 * The slice of OCSF 1.3.0 (https://schema.ocsf.io/1.3.0/) our mappers emit: the Findings category
 * classes and the objects they carry, typed so every mapper builds the same shape. Attributes are
 * limited to those that exist in 1.3.0 (e.g. no `advisory` object, which arrived in 1.4.0), so a
 * consumer validating against the declared `metadata.version` accepts them.
 *   Detection Finding:     https://schema.ocsf.io/1.3.0/classes/detection_finding
 *   Vulnerability Finding: https://schema.ocsf.io/1.3.0/classes/vulnerability_finding
 *   Compliance Finding:    https://schema.ocsf.io/1.3.0/classes/compliance_finding
 * Incident Finding (2005) has its own shape (ocsf-incident.ts); IAM classes are in ocsf-iam.ts.
 */
import type { Cloud, Compliance, Finding, FindingInfo, Metadata, Remediation, ResourceDetails, Vulnerability } from './ocsf-objects';
import { compact, lookup, type Json } from './read';
import type { FindingTransition } from './types';

export type * from './ocsf-objects';

export const OCSF_VERSION = '1.3.0';

/** Findings category (category_uid 2) and the classes we map to. */
export const FINDINGS_CATEGORY = { uid: 2, name: 'Findings' } as const;
export const FINDING_CLASS = {
  vulnerability: { uid: 2002, name: 'Vulnerability Finding' },
  compliance: { uid: 2003, name: 'Compliance Finding' },
  detection: { uid: 2004, name: 'Detection Finding' },
} as const;
export type FindingClass = (typeof FINDING_CLASS)[keyof typeof FINDING_CLASS];

/** Finding activity_id: https://schema.ocsf.io/1.3.0/classes/finding (1 Create, 2 Update, 3 Close). */
export const ACTIVITY: Record<FindingTransition, { id: 1 | 2 | 3; name: string }> = {
  created: { id: 1, name: 'Create' },
  updated: { id: 2, name: 'Update' },
  resolved: { id: 3, name: 'Close' },
};

/** severity_id of the base event; 6 Fatal exists but no finding source we map reports it. */
export type SeverityId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 99;
export const SEVERITY: Record<SeverityId, string> = {
  0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other',
};

/** Finding status_id in 1.3.0 (5 Archived and 6 Deleted came later). */
export type StatusId = 0 | 1 | 2 | 3 | 4 | 99;
export const STATUS: Record<StatusId, string> = {
  0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 99: 'Other',
};

/** The usual vendor severity words (GitHub advisories, CVSS qualitative ratings, SARIF-derived). */
const SEVERITY_WORDS: Record<string, SeverityId> = {
  none: 1, info: 1, informational: 1, low: 2, moderate: 3, medium: 3, high: 4, critical: 5,
};

/** severity_id of a vendor severity word, case-insensitive; undefined when it is not one. */
export function severityFromWord(word: unknown): SeverityId | undefined {
  return typeof word === 'string' ? lookup(SEVERITY_WORDS, word.toLowerCase()) : undefined;
}

/** Everything a finding needs beyond its classification, which `buildFinding` derives. */
export interface FindingParts {
  cls: FindingClass;
  transition: FindingTransition;
  severityId: SeverityId;
  statusId: StatusId;
  /** The vendor's reason for the status, e.g. a dismissal reason. */
  statusDetail?: string;
  /** Epoch ms of the finding activity. */
  time: number;
  finding_info: FindingInfo;
  resources?: ResourceDetails[];
  vulnerabilities?: Vulnerability[];
  /** Required by Compliance Finding, absent elsewhere. */
  compliance?: Compliance;
  remediation?: Remediation;
  /** The `cloud` profile: where a cloud finding lives. */
  cloud?: Cloud;
  metadata: Metadata;
  unmapped?: Json;
}

/** Assembles a finding with its derived ids: type_uid = class_uid * 100 + activity_id (OCSF rule). */
export function buildFinding(p: FindingParts): Finding {
  const activity = ACTIVITY[p.transition];
  return compact({
    category_uid: FINDINGS_CATEGORY.uid,
    category_name: FINDINGS_CATEGORY.name,
    class_uid: p.cls.uid,
    class_name: p.cls.name,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: p.cls.uid * 100 + activity.id,
    type_name: `${p.cls.name}: ${activity.name}`,
    severity_id: p.severityId,
    severity: SEVERITY[p.severityId],
    status_id: p.statusId,
    status: STATUS[p.statusId],
    status_detail: p.statusDetail,
    time: p.time,
    message: p.finding_info.title,
    finding_info: p.finding_info,
    resources: p.resources,
    vulnerabilities: p.vulnerabilities,
    compliance: p.compliance,
    remediation: p.remediation,
    cloud: p.cloud,
    metadata: p.metadata,
    unmapped: p.unmapped,
  });
}
