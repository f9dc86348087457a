/**
 * Trivy JSON items -> findings (https://trivy.dev/latest/docs/configuration/reporting/#json).
 * Results[].Vulnerabilities[] -> Vulnerability Finding (CVE, package, installed and fixed
 * version); Misconfigurations[] -> Compliance Finding when the check has an outcome (Status
 * PASS/FAIL/EXCEPTION; a PASS is Resolved, an EXCEPTION Suppressed), else Detection; Secrets[] ->
 * Detection Finding; Licenses[] -> Compliance Finding (license() below). Identity: the artifact,
 * the target and what the item is (vulnerability id + package, check id + cause, secret rule +
 * line, license + package or file), so the same vulnerability of the same package is the same
 * finding in the next scan.
 */
import { FINDING_CLASS, severityFromWord, type Cvss, type FindingClass, type ResourceDetails } from '../../mappers/ocsf';
import { compact, epochMs, lookup, num, obj, str, strings, type Json } from '../../mappers/read';
import type { ReportFinding } from '../types';
import { reportFinding, type ReportContext, type ReportParts } from './finding';

export interface TrivyScope {
  artifactName?: string;
  artifactType?: string;
  createdAt?: string;
  target?: string;
  resultClass?: string;
  resultType?: string;
}

export type TrivyKind = 'Vulnerabilities' | 'Misconfigurations' | 'Secrets' | 'Licenses';

function resources(s: TrivyScope, data?: Json): ResourceDetails[] {
  const out: ResourceDetails[] = [];
  if (s.artifactName !== undefined) out.push(compact({ type: s.artifactType ?? 'artifact', uid: s.artifactName, name: s.artifactName }));
  if (s.target !== undefined) out.push(compact({ type: s.resultType ?? s.resultClass ?? 'target', uid: s.target, name: s.target, data }));
  return out;
}

/** CVSS per source (nvd first, the usual reference), V3 then V2. */
function cvss(v: Json): Cvss[] | undefined {
  const sources = Object.entries(obj(v.CVSS) ?? {}).sort(([a], [b]) => (a === 'nvd' ? -1 : b === 'nvd' ? 1 : 0));
  const out = sources.flatMap(([, c]): Cvss[] => {
    const o = obj(c) ?? {};
    const v3 = num(o.V3Score);
    const v2 = num(o.V2Score);
    const v3Vector = str(o.V3Vector);
    return [
      ...(v3 === undefined ? [] : [compact({ version: /^CVSS:(\d\.\d)\//.exec(v3Vector ?? '')?.[1] ?? '3.0', base_score: v3, vector_string: v3Vector })]),
      ...(v2 === undefined ? [] : [compact({ version: '2.0', base_score: v2, vector_string: str(o.V2Vector) })]),
    ];
  });
  return out.length > 0 ? out : undefined;
}

type Parts = Omit<ReportParts, 'family' | 'scope' | 'product' | 'eventCode' | 'time' | 'pointer'>;

function vulnerability(v: Json, s: TrivyScope): Parts {
  const id = str(v.VulnerabilityID) ?? 'unknown';
  const name = str(v.PkgName);
  const fixed = str(v.FixedVersion);
  const cwe = strings(v.CweIDs)?.[0];
  return {
    fingerprint: ['vuln', id, name, str(v.PkgPath), str(obj(v.PkgIdentifier)?.PURL)?.replace(/@[^?#]*/, '')].join('|'),
    cls: FINDING_CLASS.vulnerability,
    severityId: severityFromWord(v.Severity) ?? 0,
    finding_info: compact({ title: str(v.Title) ?? id, desc: str(v.Description), src_url: str(v.PrimaryURL), types: ['Vulnerability'] }),
    resources: resources(s, compact({ package: name, path: str(v.PkgPath) })),
    vulnerabilities: [compact({
      title: str(v.Title) ?? id,
      desc: str(v.Description),
      severity: str(v.Severity),
      cve: /^CVE-/i.test(id) ? compact({ uid: id, title: str(v.Title), cvss: cvss(v), created_time: epochMs(v.PublishedDate), modified_time: epochMs(v.LastModifiedDate) }) : undefined,
      cwe: cwe === undefined ? undefined : { uid: cwe },
      affected_packages: name === undefined ? undefined : [compact({ name, version: str(v.InstalledVersion) ?? 'unknown', fixed_in_version: fixed, path: str(v.PkgPath) })],
      related_vulnerabilities: id.startsWith('CVE-') ? undefined : [id],
      references: strings(v.References),
      is_fix_available: fixed !== undefined,
      vendor_name: str(obj(v.DataSource)?.Name),
    })],
    unmapped: compact({ status: str(v.Status), pkg_id: str(v.PkgID), trivy_fingerprint: str(v.Fingerprint) }),
  };
}

const CHECK_STATUS: Record<string, { id: number; name: string }> = { PASS: { id: 1, name: 'Pass' }, FAIL: { id: 3, name: 'Fail' }, EXCEPTION: { id: 99, name: 'Other' } };

function misconfiguration(m: Json, s: TrivyScope): Parts {
  const id = str(m.ID) ?? str(m.AVDID) ?? 'unknown';
  const cause = obj(m.CauseMetadata) ?? {};
  const status = lookup(CHECK_STATUS, m.Status);
  const cls: FindingClass = status === undefined ? FINDING_CLASS.detection : FINDING_CLASS.compliance;
  const resolution = str(m.Resolution);
  return {
    fingerprint: ['misconfig', id, str(cause.Resource), num(cause.StartLine)].join('|'),
    cls,
    severityId: severityFromWord(m.Severity) ?? 0,
    // EXCEPTION: a violation a policy exception allows (https://trivy.dev/v0.23.0/misconfiguration/policy/exceptions),
    // suppressed as a SARIF result with an accepted suppression is.
    statusId: m.Status === 'PASS' ? 4 : m.Status === 'EXCEPTION' ? 3 : 1,
    finding_info: compact({
      title: str(m.Title) ?? id, desc: str(m.Description), src_url: str(m.PrimaryURL), types: strings([m.Type]),
      analytic: { uid: id, name: str(m.Title) ?? id, type_id: 1, type: 'Rule' },
    }),
    resources: resources(s, compact({ resource: str(cause.Resource), provider: str(cause.Provider), service: str(cause.Service), start_line: num(cause.StartLine), end_line: num(cause.EndLine) })),
    compliance: status === undefined ? undefined : compact({
      standards: [str(m.Type) ?? 'Trivy misconfiguration checks'], control: id, status_id: status.id, status: status.name, status_code: str(m.Status), status_detail: str(m.Message),
    }),
    remediation: resolution === undefined ? undefined : compact({ desc: resolution, references: strings(m.References) }),
    unmapped: compact({ message: str(m.Message), namespace: str(m.Namespace) }),
  };
}

function secret(x: Json, s: TrivyScope): Parts {
  const rule = str(x.RuleID) ?? 'unknown';
  return {
    fingerprint: ['secret', rule, num(x.StartLine), str(x.Match)].join('|'),
    cls: FINDING_CLASS.detection,
    severityId: severityFromWord(x.Severity) ?? 0,
    finding_info: compact({ title: str(x.Title) ?? rule, types: strings([x.Category]), analytic: { uid: rule, name: str(x.Title) ?? rule, type_id: 1, type: 'Rule' } }),
    resources: resources(s, compact({ start_line: num(x.StartLine), end_line: num(x.EndLine) })),
    unmapped: compact({ category: str(x.Category) }),
  };
}

/**
 * A license Trivy found (`--scanners license`; DetectedLicense in Trivy's pkg/types): of a package
 * (PkgName, in a Results entry of Class `license`) or in a file (FilePath, under the target
 * "Loose File License(s)" of Class `license-file`). Trivy ranks each by its category (forbidden
 * CRITICAL, restricted HIGH, reciprocal MEDIUM, notice, permissive and unencumbered LOW, unknown
 * UNKNOWN: https://trivy.dev/latest/docs/scanner/license/), which is a license policy's verdict,
 * so it is a Compliance Finding: the standard is that policy, the control the license. Trivy says
 * no pass or fail (its exit code follows the severities a user chose), so no compliance status
 * is made up; the category is the status code. The version is no part of the identity, so the
 * same license of the same package is the same finding after an upgrade.
 */
function license(l: Json, s: TrivyScope): Parts {
  const name = str(l.Name) ?? 'unknown';
  const pkg = str(l.PkgName);
  const file = str(l.FilePath);
  const category = str(l.Category);
  const subject = pkg ?? file;
  return {
    fingerprint: ['license', name, pkg, file].join('|'),
    cls: FINDING_CLASS.compliance,
    severityId: severityFromWord(l.Severity) ?? 0,
    finding_info: compact({
      title: `${name} license${subject === undefined ? '' : ` in ${subject}`}${category === undefined ? '' : ` (${category})`}`,
      src_url: str(l.Link), types: ['License'],
      analytic: { uid: name, name, type_id: 1, type: 'Rule' },
    }),
    resources: resources(s, compact({ package: pkg, version: str(l.PkgVersion), path: file })),
    compliance: compact({ standards: ['Trivy license policy'], control: name, status_code: category }),
    unmapped: compact({ category, confidence: num(l.Confidence) }),
  };
}

const MAPPERS: Record<TrivyKind, (item: Json, s: TrivyScope) => Parts> = { Vulnerabilities: vulnerability, Misconfigurations: misconfiguration, Secrets: secret, Licenses: license };

export function mapTrivyItem(ctx: ReportContext, kind: TrivyKind, item: Json, s: TrivyScope, pointer: string): ReportFinding {
  return reportFinding(ctx, {
    ...MAPPERS[kind](item, s),
    family: 'trivy',
    scope: `${s.artifactName ?? ''}\0${s.target ?? ''}`,
    pointer,
    product: { name: 'Trivy', vendor_name: 'Aqua Security' },
    eventCode: `trivy.${kind}`,
    time: s.createdAt,
  });
}
