/**
 * One ASFF finding (AWS Security Finding Format, as Security Hub stores and forwards it) -> an
 * OCSF finding. https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
 */
import { FINDING_CLASS, type ResourceDetails } from '../ocsf';
import { arr, compact, epochMs, obj, str, type Json } from '../read';
import type { MappedEvent } from '../types';
import { asffAnalystFields, asffCompliance, asffProduct, asffRemediation, asffSeverity, asffStatus, asffTransition, findingClass, workflowOf } from './asff-parts';
import { asffRevision } from './asff-revision';
import { asffVulnerabilities } from './asff-vulns';
import { arnRegion, assembleAws, awsCloud, isArn, nonEmpty, stringsOf, summarizeAll, type AwsInput } from './common';
import { isAsffSample } from './sample';

/**
 * Stable for the finding's life. Security Hub identifies a finding by ProductArn + Id. An ARN Id
 * (GuardDuty, Inspector, Security Hub controls) is already unique and names its account and
 * region, and is the id the same finding has in its own service: it is the uid as is. Other ids
 * are unique only within one product (Trivy uses the file name), so the product ARN and the
 * account are prefixed.
 */
export function asffUid(f: Json): string | undefined {
  const id = str(f.Id);
  if (id === undefined) return undefined;
  if (isArn(id)) return id;
  const productArn = str(f.ProductArn);
  const account = str(f.AwsAccountId);
  return productArn === undefined || account === undefined ? undefined : `${productArn}/${account}/${id}`;
}

/** ASFF Resources[]: type, id, region, partition and a summary of the details. */
function resources(f: Json): ResourceDetails[] {
  return arr(f.Resources).flatMap((r): ResourceDetails[] => {
    const res = obj(r);
    const type = str(res?.Type);
    if (res === undefined || type === undefined) return [];
    const tags = obj(res.Tags);
    return [compact({
      type,
      uid: str(res.Id),
      name: str(tags?.Name),
      region: str(res.Region),
      cloud_partition: str(res.Partition),
      data: nonEmpty(compact({ details: summarizeAll(res.Details), tags })),
    })];
  });
}

export function mapAsffFinding(finding: unknown, input: AwsInput): MappedEvent | undefined {
  const f = obj(finding);
  const uid = f && asffUid(f);
  if (f === undefined || uid === undefined) return undefined;
  const cls = findingClass(f);
  const { closed, ...status } = asffStatus(f);
  const remediation = asffRemediation(f);
  const region = str(f.Region) ?? arnRegion(str(f.ProductArn)) ?? input.region;
  return assembleAws(input, {
    uid,
    cls,
    transition: asffTransition(f, closed, input.firstReports?.has(uid) === true),
    severityId: asffSeverity(f),
    ...status,
    updatedAt: str(f.UpdatedAt),
    // BatchUpdateFindings changes a finding without moving UpdatedAt: see asff-revision.ts.
    revision: asffRevision(f),
    sample: isAsffSample(f),
    product: asffProduct(f),
    cloud: awsCloud(str(f.AwsAccountId) ?? input.account, region),
    finding_info: compact({
      uid,
      title: str(f.Title) ?? str(f.Id),
      desc: str(f.Description),
      types: stringsOf(f.Types),
      created_time: epochMs(f.CreatedAt),
      modified_time: epochMs(f.UpdatedAt),
      first_seen_time: epochMs(f.FirstObservedAt),
      last_seen_time: epochMs(f.LastObservedAt),
      src_url: str(f.SourceUrl),
      product_uid: str(f.ProductArn),
    }),
    resources: resources(f),
    vulnerabilities: cls === FINDING_CLASS.vulnerability ? asffVulnerabilities(f, remediation) : undefined,
    compliance: cls === FINDING_CLASS.compliance ? asffCompliance(f) : undefined,
    remediation: cls === FINDING_CLASS.vulnerability ? undefined : remediation,
    unmapped: nonEmpty(compact({
      generator_id: str(f.GeneratorId),
      record_state: str(f.RecordState),
      workflow_status: workflowOf(f),
      product_fields: obj(f.ProductFields),
      ...asffAnalystFields(f),
    })),
  });
}
