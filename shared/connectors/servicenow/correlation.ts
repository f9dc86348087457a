import { DEFAULT_TENANT, isHashedKey, isTenantKey, tenantScopedKey } from '../tenant-key';

/**
 * The correlation_id a record carries for a finding of a tenant, and the exact-match lookup finds
 * it by: tenant-scoped as ../tenant-key.ts describes. A default-tenant uid that the String(100)
 * column would truncate, or that holds `^` (the separator of encoded query terms,
 * https://www.servicenow.com/docs/bundle/latest/page/use/common-ui-elements/reference/r_OpAvailableFiltersQueries.html),
 * is stored as `sha256:<hex>` of the uid, so the lookup stays exact for every uid. So is one that
 * starts with `javascript:`: the instance evaluates such a query value as a script instead of
 * comparing it (`caller_id=javascript:gs.getUserID()`), so the record would never be found again
 * and a finding's uid, which senders choose, would run on the instance.
 *
 * The uid behind a hashed key is kept in the state store (uid-map.ts) for the sync job.
 */
export const CORRELATION_MAX = 100;
export { DEFAULT_TENANT };
const PLAIN = /^[\x21-\x5d\x5f-\x7e](?:[\x20-\x5d\x5f-\x7e]*[\x21-\x5d\x5f-\x7e])?$/;
const SCRIPT = /^javascript:/i;

export const correlationId = (tenant: string, uid: string): string =>
  tenantScopedKey(tenant, uid, (key) => key.length <= CORRELATION_MAX && PLAIN.test(key) && !SCRIPT.test(key));

/** A default-tenant uid stored as its hash. */
export const isHashedCorrelation = isHashedKey;
/** The key of a finding of a tenant other than `default`. */
export const isTenantCorrelation = isTenantKey;
