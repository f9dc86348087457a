import { createHash } from 'node:crypto';
import { DEFAULT_TENANT } from '../events/tenant';

/**
 * The key a finding goes by in a vendor field every tenant shares (ServiceNow's correlation_id,
 * PagerDuty's dedup_key). Findings of different tenants may share a uid (the same scanner rule
 * in a repository of the same name, the same AWS resource id), so the key is tenant-scoped:
 *
 * - tenant `default`: the key itself, as before keys were tenant-scoped, so tickets and alerts
 *   already open keep being found; one the vendor field cannot hold exactly (`fits`) becomes
 *   `sha256:<hex>` of it, stable and never cut (two cut keys could collide).
 * - any other tenant: `tenant-sha256:<hex>` of tenant and key (78 characters, lower-case hex,
 *   within every vendor limit whatever the tenant and key). A default-tenant key spelled like
 *   that, in any letter case (a vendor may compare without case), is sent as its `sha256:`
 *   instead, so no default-tenant finding can reach another tenant's ticket.
 */
export { DEFAULT_TENANT };
const TENANT_FORM = /^tenant-sha256:[0-9a-f]{64}$/i;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function tenantScopedKey(tenant: string, key: string, fits: (key: string) => boolean): string {
  // Tenant names are [A-Za-z0-9_.-] (config schema), so the NUL separator makes the pair unambiguous.
  if (tenant !== DEFAULT_TENANT) return `tenant-sha256:${sha256(`${tenant}\0${key}`)}`;
  return fits(key) && !TENANT_FORM.test(key) ? key : `sha256:${sha256(key)}`;
}

/** A default-tenant key stored as its hash. */
export const isHashedKey = (id: string) => /^sha256:[0-9a-f]{64}$/.test(id);
/** The key of a finding of a tenant other than `default`. */
export const isTenantKey = (id: string) => /^tenant-sha256:[0-9a-f]{64}$/.test(id);
