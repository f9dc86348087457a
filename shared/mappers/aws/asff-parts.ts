/**
 * ASFF attributes -> OCSF classification, severity and status.
 * ASFF: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
 */
import { FINDING_CLASS, type Compliance, type FindingClass, type Product, type Remediation, type SeverityId, type StatusId } from '../ocsf';
import { arr, compact, lookup, num, obj, setOwn, str, type Json } from '../read';
import type { FindingTransition } from '../types';
import { nonEmpty, stringsOf, transition } from './common';

/**
 * Vulnerability Finding when the finding lists Vulnerabilities or is typed as one (Trivy and other
 * scanners write `Software and Configuration Checks/Vulnerabilities/CVE` without the list);
 * Compliance Finding when it carries a Compliance result (Security Hub controls); else Detection.
 */
export function findingClass(f: Json): FindingClass {
  if (arr(f.Vulnerabilities).length > 0) return FINDING_CLASS.vulnerability;
  if (str(obj(f.Compliance)?.Status) !== undefined) return FINDING_CLASS.compliance;
  if ((stringsOf(f.Types) ?? []).some((t) => t.split('/').includes('Vulnerabilities'))) return FINDING_CLASS.vulnerability;
  return FINDING_CLASS.detection;
}

const LABELS: Record<string, SeverityId> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };

/** Severity.Label, else the documented Normalized ranges (0, 1-39, 40-69, 70-89, 90-100). */
export function asffSeverity(f: Json): SeverityId {
  const severity = obj(f.Severity);
  const label = lookup(LABELS, severity?.Label);
  if (label !== undefined) return label;
  const n = num(severity?.Normalized);
  if (n === undefined || n < 0) return 0;
  return n === 0 ? 1 : n < 40 ? 2 : n < 70 ? 3 : n < 90 ? 4 : 5;
}

/** Workflow.Status, or the deprecated WorkflowState of older findings. */
export const workflowOf = (f: Json): string | undefined => str(obj(f.Workflow)?.Status) ?? str(f.WorkflowState);

/** The string members of a string map (ASFF UserDefinedFields), else undefined. */
function stringMap(v: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(obj(v) ?? {})) if (typeof value === 'string') setOwn(out, k, value);
  return nonEmpty(out);
}

/**
 * What BatchUpdateFindings writes besides workflow, severity and types (which have their OCSF
 * attributes), for `unmapped`. Such a change gives the event a new key (asff-revision.ts); without
 * these fields its data would repeat the previous event's and hide what the analyst changed. Only
 * the documented scalar members are copied.
 */
export function asffAnalystFields(f: Json): Json {
  const note = obj(f.Note);
  const related = arr(f.RelatedFindings).flatMap((r) => {
    const productArn = str(obj(r)?.ProductArn);
    const id = str(obj(r)?.Id);
    return productArn === undefined || id === undefined ? [] : [{ product_arn: productArn, id }];
  });
  return compact({
    note: note && nonEmpty(compact({ text: str(note.Text), updated_by: str(note.UpdatedBy), updated_at: str(note.UpdatedAt) })),
    confidence: num(f.Confidence),
    criticality: num(f.Criticality),
    verification_state: str(f.VerificationState),
    user_defined_fields: stringMap(f.UserDefinedFields),
    related_findings: related.length > 0 ? related : undefined,
  });
}

/**
 * Workflow NEW -> New, NOTIFIED (and legacy ASSIGNED/IN_PROGRESS/DEFERRED) -> In Progress,
 * SUPPRESSED -> Suppressed, RESOLVED -> Resolved. An ARCHIVED record (the provider says the
 * finding no longer applies) is Resolved unless someone suppressed it; OCSF 1.3 has no Archived.
 */
export function asffStatus(f: Json): { statusId: StatusId; statusDetail?: string; closed: boolean } {
  const workflow = workflowOf(f);
  const archived = f.RecordState === 'ARCHIVED';
  if (workflow === 'SUPPRESSED') return { statusId: 3, statusDetail: archived ? 'SUPPRESSED, ARCHIVED' : 'SUPPRESSED', closed: true };
  if (workflow === 'RESOLVED') return { statusId: 4, statusDetail: archived ? 'RESOLVED, ARCHIVED' : 'RESOLVED', closed: true };
  if (archived) return { statusId: 4, statusDetail: 'ARCHIVED', closed: true };
  if (workflow === 'NEW') return { statusId: 1, closed: false };
  if (workflow !== undefined && ['NOTIFIED', 'ASSIGNED', 'IN_PROGRESS', 'DEFERRED'].includes(workflow)) {
    return { statusId: 2, statusDetail: workflow, closed: false };
  }
  return { statusId: f.RecordState === 'ACTIVE' ? 1 : 0, closed: false };
}

/**
 * The common rule (resolved when closed; created when CreatedAt == UpdatedAt; else updated), but
 * created only while the workflow is NEW or unset. BatchUpdateFindings leaves UpdatedAt alone, so
 * an analyst's NOTIFIED on a finding its provider never re-imported still has CreatedAt ==
 * UpdatedAt: that event reports a change, not a new finding. Unless the caller knows it is the
 * finding's first report (`firstReport`, AwsInput.firstReports): then an automation rule set the
 * status as Security Hub ingested the finding, and the common rule holds.
 */
export function asffTransition(f: Json, closed: boolean, firstReport = false): FindingTransition {
  const t = transition(closed, f.CreatedAt, f.UpdatedAt);
  if (firstReport) return t;
  const workflow = workflowOf(f);
  return t === 'created' && workflow !== undefined && workflow !== 'NEW' ? 'updated' : t;
}

/** Product name and company: top-level (Security Hub adds them), then ProductFields, then the ARN. */
export function asffProduct(f: Json): Product {
  const fields = obj(f.ProductFields) ?? {};
  const productArn = str(f.ProductArn);
  // arn:aws:securityhub:<region>::product/<company>/<product>
  const [, company, product] = productArn?.split(':').slice(5).join(':').split('/') ?? [];
  return compact({
    name: str(f.ProductName) ?? str(fields['aws/securityhub/ProductName']) ?? str(fields['Product Name']) ?? str(product) ?? 'Unknown',
    vendor_name: str(f.CompanyName) ?? str(fields['aws/securityhub/CompanyName']) ?? str(company) ?? 'Unknown',
    uid: productArn,
  });
}

/** Remediation.Recommendation: text and link. */
export function asffRemediation(f: Json): Remediation | undefined {
  const rec = obj(obj(f.Remediation)?.Recommendation);
  const desc = str(rec?.Text);
  const url = str(rec?.Url);
  if (desc === undefined && url === undefined) return undefined;
  return compact({ desc: desc ?? url!, references: url === undefined ? undefined : [url] });
}

const COMPLIANCE_STATUS: Record<string, { id: number; name: string }> = {
  PASSED: { id: 1, name: 'Pass' }, WARNING: { id: 2, name: 'Warning' }, FAILED: { id: 3, name: 'Fail' },
};

/**
 * ASFF Compliance -> https://schema.ocsf.io/1.3.0/objects/compliance. `standards` is required:
 * AssociatedStandards (consolidated control findings), else the legacy StandardsArn product field.
 */
export function asffCompliance(f: Json): Compliance | undefined {
  const c = obj(f.Compliance);
  const status = str(c?.Status);
  if (c === undefined || status === undefined) return undefined;
  const fields = obj(f.ProductFields) ?? {};
  const associated = arr(c.AssociatedStandards).map((s) => str(obj(s)?.StandardsId)).filter((s): s is string => s !== undefined);
  const legacy = str(fields.StandardsArn) ?? str(fields.StandardsGuideArn);
  const known = lookup(COMPLIANCE_STATUS, status);
  return compact({
    standards: associated.length > 0 ? associated : legacy !== undefined ? [legacy] : [],
    requirements: stringsOf(c.RelatedRequirements),
    control: str(c.SecurityControlId) ?? str(fields.ControlId),
    status_id: known?.id ?? 99,
    status: known?.name ?? 'Other',
    status_code: status,
    status_detail: str(obj(arr(c.StatusReasons)[0])?.Description),
  });
}
