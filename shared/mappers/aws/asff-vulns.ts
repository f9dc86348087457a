/**
 * ASFF -> https://schema.ocsf.io/1.3.0/objects/vulnerability. Inspector and most providers fill
 * the ASFF Vulnerabilities list; Trivy's ASFF template puts the CVE in Resources[].Details.Other
 * ("CVE ID", "PkgName", "Installed Package", "Patched Package", "NvdCvssScoreV3", ...).
 * Vulnerabilities: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-top-level-attributes.html#asff-vulnerabilities
 */
import type { AffectedPackage, Cvss, Remediation, Vulnerability } from '../ocsf';
import { arr, compact, num, obj, str, type Json } from '../read';
import { stringsOf } from './common';

const cvssOf = (v: unknown): Cvss | undefined => {
  const c = obj(v);
  const score = num(c?.BaseScore);
  const version = str(c?.Version);
  return score === undefined || version === undefined ? undefined : compact({ version, base_score: score, vector_string: str(c?.BaseVector) });
};

const packageOf = (v: unknown): AffectedPackage | undefined => {
  const p = obj(v);
  const name = str(p?.Name);
  const version = str(p?.Version);
  if (name === undefined || version === undefined) return undefined;
  return compact({ name, version, package_manager: str(p?.PackageManager), fixed_in_version: str(p?.FixedInVersion), path: str(p?.FilePath) });
};

const defined = <T>(xs: (T | undefined)[]): T[] | undefined => {
  const out = xs.filter((x): x is T => x !== undefined);
  return out.length > 0 ? out : undefined;
};

/** One entry of the ASFF Vulnerabilities list. */
function fromAsff(v: unknown, remediation: Remediation | undefined): Vulnerability | undefined {
  const entry = obj(v);
  const id = str(entry?.Id);
  if (entry === undefined || id === undefined) return undefined;
  const vendor = obj(entry.Vendor);
  const fix = str(entry.FixAvailable);
  return compact({
    title: id,
    cve: /^CVE-\d{4}-\d+$/i.test(id) ? compact({ uid: id, cvss: defined(arr(entry.Cvss).map(cvssOf)) }) : undefined,
    affected_packages: defined(arr(entry.VulnerablePackages).map(packageOf)),
    related_vulnerabilities: stringsOf(entry.RelatedVulnerabilities),
    references: stringsOf(entry.ReferenceUrls),
    is_fix_available: fix === undefined ? undefined : fix === 'YES',
    vendor_name: str(vendor?.Name),
    severity: str(vendor?.VendorSeverity),
    remediation,
  });
}

/** Trivy's score/vector pairs; the CVSS version comes from the vector's prefix (CVSS:3.1/...). */
function trivyCvss(other: Json): Cvss[] | undefined {
  const pairs: [string, string, string][] = [['NvdCvssScoreV3', 'NvdCvssVectorV3', '3.0'], ['NvdCvssScoreV2', 'NvdCvssVectorV2', '2.0']];
  return defined(pairs.map(([scoreKey, vectorKey, fallback]) => {
    const score = Number(str(other[scoreKey]) ?? Number.NaN);
    const vector = str(other[vectorKey]);
    if (!Number.isFinite(score)) return undefined;
    return compact({ version: /^CVSS:(\d\.\d)\//.exec(vector ?? '')?.[1] ?? fallback, base_score: score, vector_string: vector });
  }));
}

/** A Trivy resource's Details.Other, when it names a CVE. */
function fromTrivy(resource: unknown, desc: string | undefined, remediation: Remediation | undefined): Vulnerability | undefined {
  const other = obj(obj(obj(resource)?.Details)?.Other);
  const cveId = str(other?.['CVE ID']);
  if (other === undefined || cveId === undefined) return undefined;
  const name = str(other.PkgName);
  const version = str(other['Installed Package']);
  const fixed = str(other['Patched Package']);
  return compact({
    title: str(other['CVE Title']) ?? cveId,
    desc,
    cve: compact({ uid: cveId, title: str(other['CVE Title']), cvss: trivyCvss(other) }),
    affected_packages: name !== undefined && version !== undefined ? [compact({ name, version, fixed_in_version: fixed })] : undefined,
    is_fix_available: fixed !== undefined,
    references: remediation?.references,
    remediation,
  });
}

/**
 * The vulnerabilities of a Vulnerability Finding (the list is required): ASFF's own, else
 * Trivy's, else one entry named after the finding so the class stays valid.
 */
export function asffVulnerabilities(f: Json, remediation: Remediation | undefined): Vulnerability[] {
  const title = str(f.Title);
  const desc = str(f.Description);
  return defined(arr(f.Vulnerabilities).map((v) => fromAsff(v, remediation)))
    ?? defined(arr(f.Resources).map((r) => fromTrivy(r, desc, remediation)))
    ?? [compact({ title, desc, remediation })];
}
