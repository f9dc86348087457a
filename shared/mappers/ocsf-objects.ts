/**
 * Shapes of the OCSF 1.3.0 objects our findings carry (https://schema.ocsf.io/1.3.0/objects).
 * Only the attributes we fill are declared; OCSF allows the rest to be absent.
 */
import type { Json } from './read';

/** https://schema.ocsf.io/1.3.0/objects/product; `feature` names the engine, e.g. CodeQL. */
export interface Product {
  name: string;
  vendor_name: string;
  feature?: { name: string; version?: string };
  /** The product's own identifier, e.g. a Security Hub product ARN. */
  uid?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/metadata */
export interface Metadata {
  version: string;
  product: Product;
  /** The sender's id for this event: the webhook delivery id. */
  uid?: string;
  /** The sender's own code for the event, e.g. `code_scanning_alert.created`. */
  event_code?: string;
  /** The event time as the sender wrote it. */
  original_time?: string;
  /** When we received it (epoch ms). */
  logged_time?: number;
  /** Ties related events together, e.g. an Okta transaction id. */
  correlation_uid?: string;
  /** Profiles the event uses, e.g. `cloud` when it carries the `cloud` object. */
  profiles?: string[];
  /** Labels added at normalization time, e.g. `sample` for a vendor's generated sample finding. */
  labels?: string[];
}

/** https://schema.ocsf.io/1.3.0/objects/analytic: the rule that produced a detection. */
export interface Analytic {
  uid?: string;
  name?: string;
  /** 0 Unknown, 1 Rule, 2 Behavioral, 3 Statistical, 4 Learning (ML/DL), 99 Other. */
  type_id: number;
  type: string;
  desc?: string;
  version?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/finding_info */
export interface FindingInfo {
  uid: string;
  title?: string;
  desc?: string;
  types?: string[];
  analytic?: Analytic;
  created_time?: number;
  modified_time?: number;
  first_seen_time?: number;
  last_seen_time?: number;
  src_url?: string;
  /** The reporting product's own id, e.g. a Security Hub product ARN. */
  product_uid?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/resource_details */
export interface ResourceDetails {
  type: string;
  uid?: string;
  name?: string;
  owner?: { name?: string; uid?: string };
  region?: string;
  cloud_partition?: string;
  data?: Json;
}

/** https://schema.ocsf.io/1.3.0/objects/user (type_id 1 User, 3 System, 99 Other). */
export interface OcsfUser {
  uid?: string;
  name?: string;
  full_name?: string;
  email_addr?: string;
  type?: string;
  type_id?: number;
}

/** https://schema.ocsf.io/1.3.0/objects/group */
export interface OcsfGroup {
  uid?: string;
  name?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/cloud (`cloud` profile); account type_id 10 is AWS Account. */
export interface Cloud {
  provider: string;
  region?: string;
  account?: { uid: string; type_id?: number; type?: string };
}

/** https://schema.ocsf.io/1.3.0/objects/remediation */
export interface Remediation {
  desc: string;
  references?: string[];
}

/** https://schema.ocsf.io/1.3.0/objects/compliance; status_id 1 Pass, 2 Warning, 3 Fail, 99 Other. */
export interface Compliance {
  standards: string[];
  requirements?: string[];
  control?: string;
  status_id?: number;
  status?: string;
  status_code?: string;
  status_detail?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/cvss */
export interface Cvss {
  version: string;
  base_score: number;
  vector_string?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/cwe */
export interface Cwe {
  uid: string;
  caption?: string;
  src_url?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/cve */
export interface Cve {
  uid: string;
  title?: string;
  cvss?: Cvss[];
  created_time?: number;
  modified_time?: number;
}

/** https://schema.ocsf.io/1.3.0/objects/affected_package */
export interface AffectedPackage {
  name: string;
  version: string;
  package_manager?: string;
  fixed_in_version?: string;
  path?: string;
}

/** https://schema.ocsf.io/1.3.0/objects/vulnerability */
export interface Vulnerability {
  title?: string;
  desc?: string;
  severity?: string;
  cve?: Cve;
  cwe?: Cwe;
  affected_packages?: AffectedPackage[];
  related_vulnerabilities?: string[];
  references?: string[];
  is_fix_available?: boolean;
  remediation?: { desc: string; references?: string[] };
  vendor_name?: string;
  first_seen_time?: number;
}

/** A Findings-category event (https://schema.ocsf.io/1.3.0/classes/finding). */
export interface Finding {
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_detail?: string;
  time: number;
  message?: string;
  finding_info: FindingInfo;
  resources?: ResourceDetails[];
  vulnerabilities?: Vulnerability[];
  compliance?: Compliance;
  remediation?: Remediation;
  cloud?: Cloud;
  metadata: Metadata;
  unmapped?: Json;
}
